"""Result objects of the disassembler and its stable diagnostic codes."""

from __future__ import annotations

from dataclasses import dataclass, field

from triforce.diagnostics import Diagnostic
from triforce.isa import OPCODES, Mode, Opcode

# Stable diagnostic codes (tests check these, never the message text).
D_TRUNCATED = "D101"          # the data ends inside an instruction; its bytes are emitted as db
D_FLAGS_UNKNOWN = "D102"      # PLP/RTI restores M/X from an unknown byte; widths kept as they were
D_REGION_END = "D103"         # disassembly stopped at the end of a mapped run of ROM (bank end, ROM end)
D_BANK_CROSSING = "D104"      # an instruction would run past the bank's end; its bytes are kept as data
D_NOT_ROM = "D201"            # the SNES address does not map to ROM under the mapper
D_OUTSIDE_ROM = "D202"        # the address maps past the end of the ROM image
D_BAD_MAPPER = "D203"         # unknown mapper name
D_COPIER_HEADER = "D204"      # a 512-byte copier header was found and skipped
D_EMPTY_ROM = "D205"          # nothing to disassemble
D_SYMBOLS_UNREADABLE = "D301"  # the symbol file cannot be read
D_SYMBOLS_BAD_LINE = "D302"    # a line of the symbol file is not understood; skipped
D_SYMBOLS_DUPLICATE = "D303"   # the same name at two addresses; the first one wins
D_ASSEMBLER_MISSING = "D401"   # round trip: triforce.asm cannot assemble yet
D_ROUNDTRIP_ASSEMBLY = "D402"  # round trip: the generated source did not assemble
D_ROUNDTRIP_MISMATCH = "D403"  # round trip: the bytes differ


@dataclass(frozen=True)
class Instruction:
    """One decoded instruction (or, with ``is_data``, bytes that do not form one).

    ``operand`` is the little-endian value of the operand bytes (None when there
    are none); ``m``/``x`` are the widths assumed while decoding it (1 = 8-bit);
    ``text`` is asar source that assembles back to ``raw``. ``target`` is the
    address the operand refers to when known (branch destination, jump target,
    DB/D-resolved data address); ``label`` the symbol printed for it, as
    ``label+label_offset`` when the operand points inside a variable.
    """

    addr: int
    opcode: int
    operand: int | None
    length: int
    m: int
    x: int
    text: str
    raw: bytes = b""
    target: int | None = None
    label: str | None = None
    is_data: bool = False
    db: int | None = None
    d: int | None = None
    emulation: bool | None = None
    label_offset: int = 0

    @property
    def op(self) -> Opcode:
        return OPCODES[self.opcode]

    @property
    def mnemonic(self) -> str:
        return "db" if self.is_data else self.op.mnemonic

    @property
    def mode(self) -> Mode | None:
        return None if self.is_data else self.op.mode

    def to_source(self) -> str:
        """A self-contained asar snippet that assembles to exactly ``raw``.

        It places the instruction at its own address (``org``/``base``) and
        defines the label it refers to, so that a branch lands where it did.
        """
        from triforce.disasm.source import instruction_snippet

        return instruction_snippet(self)


@dataclass
class DisassemblyResult:
    instructions: list[Instruction]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    start_addr: int = 0x008000
    mapper: str | None = None
    symbols: dict[int, str] = field(default_factory=dict)
    # names printed for addresses (symbols and generated branch labels)
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def data(self) -> bytes:
        """The bytes that were decoded, in order."""
        return b"".join(i.raw for i in self.instructions)

    @property
    def end_addr(self) -> int:
        if not self.instructions:
            return self.start_addr
        last = self.instructions[-1]
        return last.addr + last.length

    def to_source(self, *, comments: bool = True, header: bool = True,
                  dialect: str = "asar") -> str:
        """Source for the whole listing: mapper, ``org``, label definitions and
        one line per instruction; assembles to ``data``. ``dialect`` may also be
        ``ca65`` or ``64tass`` (used by the cross-check with those assemblers)."""
        from triforce.disasm.source import listing_source

        return listing_source(self, comments=comments, header=header, dialect=dialect)
