"""Source emitters for the generated instruction handlers.

Speed in pure Python comes from giving every (opcode, register width, mode)
combination its own small straight-line function, so nothing is decided at run
time that was known when the handler was made. This module turns an
instruction's addressing mode into Python statements; :mod:`.handlers` adds the
operation and :mod:`.codegen` assembles the handler tables.

Every handler is ``def op(pc24)`` (``pc24`` = PBR:PC of its opcode) returning
its cycle count, and reaches the registers through the list ``R`` laid out below.
"""

from __future__ import annotations

# Indices into the register list R. NV/ZV hold the last result the N and Z flags
# come from (N = bit 7 of NV, Z = ZV == 0) so that loads need no flag arithmetic;
# CF/VF are 0/1; P keeps the other flag bits (D, I, X, M). DB and PB are stored
# shifted into bank position (bank << 16). MODE is the active handler table,
# HALT is None, "stp" or "wai".
A, X, Y, S, D, DB, PB, PC, P, NV, ZV, CF, VF, E, MODE, HALT = range(16)
REGISTER_SLOTS = 16


class Emitter:
    """Collects the statements of one handler.

    ``variant`` chooses how memory is reached: ``flat`` indexes one 16 MiB
    bytearray ``M``; ``paged`` goes through page lists ``RP``/``WP`` (8 KiB
    pages, shared for mirrors); ``bus`` calls ``rd``/``wr`` (any bus object).
    """

    def __init__(self, variant: str, emulation: bool, m: int, x: int, decimal: int = 0):
        self.variant = variant
        self.e = emulation
        self.m = 1 if emulation else m
        self.x = 1 if emulation else x
        self.decimal = decimal  # the D flag this handler table runs under
        self.lines: list[str] = []
        self.indent = 1

    # -- plain statements ---------------------------------------------------
    def emit(self, *lines: str) -> None:
        pad = "    " * self.indent
        self.lines.extend(pad + ln for ln in lines)

    def block(self, header: str):
        """``with g.block("if cond:"):`` indents the statements inside."""
        emitter = self

        class _Block:
            def __enter__(self_inner):
                emitter.emit(header)
                emitter.indent += 1

            def __exit__(self_inner, *exc):
                emitter.indent -= 1
                return False

        return _Block()

    # -- memory -------------------------------------------------------------
    def read(self, var: str, addr: str) -> None:
        """``var = memory[addr]``; ``addr`` is an expression already within 24 bits."""
        if self.variant == "flat":
            self.emit(f"{var} = M[{addr}]")
        elif self.variant == "bus":
            self.emit(f"{var} = rd({addr})")
        else:
            if not addr.isidentifier():
                self.emit(f"_a = {addr}")
                addr = "_a"
            self.emit(f"{var} = RP[{addr} >> 13][{addr} & 8191]")

    def write(self, addr: str, value: str) -> None:
        if self.variant == "flat":
            self.emit(f"M[{addr}] = {value}")
        elif self.variant == "bus":
            self.emit(f"wr({addr}, {value})")
        else:
            if not addr.isidentifier():
                self.emit(f"_a = {addr}")
                addr = "_a"
            self.emit(f"WP[{addr} >> 13][{addr} & 8191] = {value}")

    def read_expr(self, addr: str) -> str | None:
        """An expression reading ``addr``, where the variant allows one (not paged)."""
        if self.variant == "flat":
            return f"M[{addr}]"
        if self.variant == "bus":
            return f"rd({addr})"
        return None

    def read_word(self, var: str, lo_addr: str, hi_addr: str) -> None:
        lo, hi = self.read_expr(lo_addr), self.read_expr(hi_addr)
        if lo is not None:
            self.emit(f"{var} = {lo} | {hi} << 8")
            return
        self.read("_l", lo_addr)
        self.read("_h", hi_addr)
        self.emit(f"{var} = _l | _h << 8")

    # -- instruction stream -------------------------------------------------
    def operand(self, nbytes: int, var: str = "o") -> None:
        """Fetch ``nbytes`` operand bytes after the opcode at ``pc24``.

        The PC wraps inside its bank; the common case (no wrap) reads
        ``pc24 + k`` directly, the rare one rebuilds each address."""
        if nbytes == 0:
            return

        def fetch(addr_of):
            parts = []
            for k in range(1, nbytes + 1):
                addr = addr_of(k)
                expr = self.read_expr(addr)
                if expr is None:
                    self.read(f"_o{k}", addr)
                    expr = f"_o{k}"
                parts.append(expr if k == 1 else f"{expr} << {8 * (k - 1)}")
            self.emit(f"{var} = " + " | ".join(parts))

        with self.block(f"if pc24 & 65535 < {65536 - nbytes}:"):
            fetch(lambda k: f"pc24 + {k}")
        with self.block("else:"):
            fetch(lambda k: f"pc24 & 16711680 | (pc24 + {k} & 65535)")

    def advance(self, length: int) -> None:
        self.emit(f"R[{PC}] = pc24 + {length} & 65535")

    # -- direct page --------------------------------------------------------
    def direct(self, var: str, offset: str) -> None:
        """``var`` = direct-page address of ``offset`` (an expression on ``o``).

        Emulation mode with DL=0 keeps the address inside the direct page, as the
        6502 did; otherwise it is D + offset within bank 0.
        """
        if self.e:
            with self.block("if d & 255:"):
                self.emit(f"{var} = d + {offset} & 65535")
            with self.block("else:"):
                self.emit(f"{var} = d | ({offset} & 255)")
        else:
            self.emit(f"{var} = d + {offset} & 65535")

    # -- stack --------------------------------------------------------------
    def push(self, value: str, wrap: bool = True) -> None:
        """Push one byte; ``s`` must hold S. ``wrap=False`` is the 65816-only
        form (PEA, PHD, JSL...) that lets S leave page 1 in emulation mode until
        :meth:`fix_stack` puts it back."""
        self.write("s", value)
        if self.e and wrap:
            self.emit("s = s - 1 & 255 | 256")
        else:
            self.emit("s = s - 1 & 65535")

    def pull(self, var: str, wrap: bool = True) -> None:
        if self.e and wrap:
            self.emit("s = s + 1 & 255 | 256")
        else:
            self.emit("s = s + 1 & 65535")
        self.read(var, "s")

    def store_stack(self, unwrapped: bool = False) -> None:
        if self.e and unwrapped:
            self.emit(f"R[{S}] = s & 255 | 256")
        else:
            self.emit(f"R[{S}] = s")

    # -- flags --------------------------------------------------------------
    def nz(self, value: str, width: int) -> None:
        if width == 8:
            self.emit(f"R[{NV}] = R[{ZV}] = {value}")
        else:
            self.emit(f"R[{NV}] = {value} >> 8", f"R[{ZV}] = {value}")

    def compose_p(self, var: str = "p") -> None:
        self.emit(f"{var} = R[{P}] & 60 | R[{NV}] & 128 | (0 if R[{ZV}] else 2) "
                  f"| R[{CF}] | R[{VF}] << 6")

    def decompose_p(self, value: str) -> None:
        """Load every flag from a status byte, then enforce the width rules and
        switch handler tables if M/X/E changed."""
        self.emit(f"R[{P}] = {value}" + (" | 48" if self.e else ""),
                  f"R[{NV}] = {value}",
                  f"R[{ZV}] = 0 if {value} & 2 else 1",
                  f"R[{CF}] = {value} & 1",
                  f"R[{VF}] = {value} >> 6 & 1")
        self.width_rules()

    def width_rules(self) -> None:
        """X=1 clears the index high bytes; then pick the handler table (M, X, D, E)."""
        with self.block(f"if R[{P}] & 16:"):
            self.emit(f"R[{X}] &= 255", f"R[{Y}] &= 255")
        self.emit("switch_mode()")

    # -- result -------------------------------------------------------------
    def source(self) -> str:
        return "\n".join(self.lines)
