"""One block (statement): labels, assignments, instructions, directives, macro calls.

Blocks are parsed once per distinct text into small action tuples (cached on the
context); running an action needs only label lookups and, in the final pass,
expression evaluation. Bytes go out through :meth:`StatementRunner.emit`, the
single place that maps addresses, writes the image and records lines.
"""

from __future__ import annotations

import re

from triforce.asm import expr as X
from triforce.asm.arch_spc700 import MNEMONICS as SPC700_MNEMONICS
from triforce.asm.arch_superfx import MNEMONICS as SUPERFX_MNEMONICS
from triforce.asm.context import AsmError, FatalError
from triforce.asm.engine import _ASSIGN, _LABEL_COLON, _POSNEG, _SUBLABEL, first_word
from triforce.asm.instructions import (
    INSTRUCTIONS,
    OperandError,
    parse_operand,
    width_for_modifier,
)
from triforce.asm.lines import split_args
from triforce.asm.spc700 import Spc700Encoder
from triforce.asm.superfx import SuperFxEncoder

_CHAR_ASSIGN = re.compile(r"^'(.)'\s*=\s*(.+)$")
# `name[2]:` / `.name[2]`: array syntax belongs to struct access, never to a definition
_BRACKET_LABEL = re.compile(r"^\.*[A-Za-z_][A-Za-z0-9_.]*\[[^\]]*\]:?$")


def _extend_row(row: list, data: bytes) -> None:
    """Add bytes to a line record row, growing it in place from its second piece on."""
    buf = row[3]
    if buf.__class__ is bytes:
        buf = row[3] = bytearray(buf)
    buf += data


class StatementRunner:
    def __init__(self, ctx, engine):
        self.ctx = ctx
        self.engine = engine
        self.directives = engine.directives

    # ----- parsing -------------------------------------------------------------------
    def parse_block(self, block: str) -> tuple:
        actions = []
        text = block
        if text.startswith("@"):
            # asar 1.91 still reads the old `@command` spelling, silently
            text = text[1:].lstrip()
        while text:
            # each pattern is tried only where its first character (or colon) allows
            m = None
            is_global = False
            if ":" in text:
                m = _LABEL_COLON.match(text)
                if not m and text[:7].lower() == "global ":
                    m = _LABEL_COLON.match(text[7:].lstrip())
                    if m:
                        text = text[7:].lstrip()
                        is_global = True
            if m:
                name = m.group(1)
                if name.startswith("#"):
                    actions.append(("label", name[1:], True, is_global))
                else:
                    actions.append(("label", name, False, is_global))
                text = text[m.end():]
                continue
            if text[0] == ".":
                m = _SUBLABEL.match(text)
                if m:
                    actions.append(("label", m.group(1), False, False))
                    text = text[m.end():]
                    continue
            elif text[0] in "?+-":
                m = _POSNEG.match(text)
                if m:
                    actions.append(("posneg", m.group(1)))
                    text = text[m.end():]
                    continue
            break
        if not text:
            return tuple(actions)
        word = first_word(text)
        rest = text[len(word):].strip()
        if text.startswith("%"):
            actions.append(("macro", text))
            return tuple(actions)
        mnem, _, modifier = word.partition(".")
        arch = self.ctx.state.arch
        if arch == "spc700" and mnem in SPC700_MNEMONICS:
            actions.append(("spc700", word, rest))
            return tuple(actions)
        if arch == "superfx" and word in SUPERFX_MNEMONICS:
            actions.append(("superfx", word, rest))
            return tuple(actions)
        if word == "autoclean":
            actions.append(("dir", self.directives["autoclean"], word, rest))
            return tuple(actions)
        kinds = INSTRUCTIONS.get(mnem)
        if mnem == "rep" and not rest.startswith("#"):
            kinds = None        # `rep N` (no #) is asar's repeat command, not REP #n
        if kinds is not None and (len(modifier) <= 1):
            actions.append(self._parse_insn(mnem, modifier, rest, kinds))
            return tuple(actions)
        handler = self.directives.get(word)
        if handler is not None:
            actions.append(("dir", handler, word, rest))
            return tuple(actions)
        m = _CHAR_ASSIGN.match(text)
        if m:
            actions.append(("charmap", m.group(1), m.group(2).strip()))
            return tuple(actions)
        m = _ASSIGN.match(text)
        if m:
            actions.append(("assign", m.group(1), m.group(2).strip()))
            return tuple(actions)
        if _BRACKET_LABEL.match(text):
            actions.append(("badlabel", text.rstrip(":")))
            return tuple(actions)
        if kinds is not None:
            actions.append(("error", "A204", f"invalid opcode length specification {word!r}"))
        else:
            actions.append(("error", "A201", f"unknown command or instruction {word!r}"))
        return tuple(actions)

    def _parse_insn(self, mnem: str, modifier: str, operand: str, kinds) -> tuple:
        if "mvn" in kinds:
            parts = split_args(operand)
            if len(parts) == 1 and parts[0]:
                # the old single-operand form `mvn $ddss`: a 16-bit value, low byte first
                parts = [f"({parts[0]})&$FF", f"({parts[0]})>>8"]
            if len(parts) != 2 or not all(parts):
                return ("error", "A202", f"{mnem} takes two bank operands")
            return ("mvn", mnem, kinds["mvn"].widths[2][0], parts[0], parts[1])
        try:
            kind, arg = parse_operand(operand, kinds)
        except OperandError as exc:
            return ("error", exc.code, exc.message)
        info = kinds[kind]
        if kind in ("imp", "a") and not info.implied_zero and mnem != "xce":
            return ("raw", bytes((info.widths[0][0],)), None)
        fixed = None
        if modifier and not info.branch and kind not in ("imp", "a") and not info.implied_repeat:
            try:
                fixed = self._real_len(info, 0, modifier, kind, arg)
            except AsmError as exc:
                return ("error", exc.code, exc.message)
        elif not info.branch and kind not in ("imp", "a") and not info.implied_repeat:
            try:
                shape = X.len_shape(arg, kind == "imm", self.ctx.token_cache)
            except X.ExprError as exc:
                return ("error", exc.code, exc.message)
            if not shape[1] and shape[2] is None and (kind != "imm" or X.is_hex_constant(arg)):
                try:
                    fixed = self._real_len(info, shape[0], "", kind, arg, static=True)
                except AsmError:
                    fixed = None
        if fixed is not None and mnem not in ("rep", "sep"):
            value = X.constant_value(arg, self.ctx.token_cache)
            if value is not None:
                # a constant of a known width: the bytes are the same in every
                # pass, so they are made once here (what `instruction` would emit)
                data = bytes((info.widths[fixed][0],)) + \
                    (value & ((1 << (8 * fixed)) - 1)).to_bytes(fixed, "little")
                return ("raw", data, (info.imm_flag, fixed) if kind == "imm" and info.imm_flag else None)
        # With a single possible width the layout never depends on the operand, so
        # measuring passes need not look at it (the final pass still checks it).
        early = fixed
        widths = [w for w in info.widths if w]
        if early is None and len(widths) == 1 and not info.branch and not info.implied_repeat:
            early = widths[0]
        return ("insn", mnem, modifier, kind, arg, info, fixed, early)

    # ----- running -------------------------------------------------------------------
    def actions_for(self, block: str) -> tuple:
        arch = self.ctx.state.arch
        key = block if arch == "65816" else (arch, block)
        actions = self.ctx.stmt_cache.get(key)
        if actions is None:
            actions = self.parse_block(block)
            self.ctx.stmt_cache[key] = actions
        return actions

    def run_block(self, block: str, frame) -> None:
        self.run_actions(self.actions_for(block), frame)

    def run_actions(self, actions: tuple, frame) -> None:
        ctx = self.ctx
        for action in actions:
            kind = action[0]
            if kind == "raw":
                self.emit(action[1], action[2])
            elif kind == "insn":
                self.instruction(action)
            elif kind == "dir":
                action[1](self, action[3], action[2], frame)
            elif kind == "label":
                self.label(action[1], action[2], action[3])
            elif kind == "posneg":
                self.posneg_label(action[1])
            elif kind == "assign":
                self.assign(action[1], action[2])
            elif kind == "macro":
                self.engine.call_macro(action[1], frame)
            elif kind == "charmap":
                ctx.state.table[ord(action[1])] = ctx.eval_int(action[2])
            elif kind == "mvn":
                self.block_move(action)
            elif kind == "error":
                raise AsmError(action[1], action[2])
            elif kind == "warn":
                ctx.warn(action[1], action[2])
            elif kind == "spc700":
                Spc700Encoder(self).assemble(action[1], action[2])
            elif kind == "superfx":
                SuperFxEncoder(self).assemble(action[1], action[2])
            elif kind == "badlabel":
                self.bad_label(action[1])

    def require_org(self) -> None:
        st = self.ctx.state
        if not st.org_set:
            # asar assumes org $008000 here without a word (its test suite relies on it)
            st.org_set = True
            st.snespos = st.realsnespos = st.startpos = st.realstartpos = 0x008000

    def bad_label(self, name: str) -> None:
        """A label written with an array index, which only struct access may use."""
        struct = self.ctx.state.struct
        if struct is not None and not name.startswith("."):
            raise AsmError("A303", f"invalid label name {name!r} inside struct "
                           f"{struct['name']} (fields start with a dot)")
        raise AsmError("A307", f"label {name!r} has an array index; only struct "
                       "access takes one (name[i].field)")

    def label(self, name: str, keep_parent: bool, global_name: bool = False) -> None:
        """Define a label here; ``#name`` keeps the current sublabel parent and
        ``global name`` ignores the active namespaces."""
        ctx = self.ctx
        st = ctx.state
        self.require_org()
        if keep_parent or global_name:
            ctx.define_label(name, st.snespos, update_parents=not keep_parent, global_name=global_name)
            return
        if st.struct is not None:
            if not name.startswith("."):
                # asar: inside a struct every label is a field, `.name`
                raise AsmError("A303", f"invalid label name {name!r} inside struct "
                               f"{st.struct['name']} (fields start with a dot)")
            full = st.struct["name"] + "_" + name.lstrip(".").replace(".", "_")
            ctx.set_label(full, st.snespos, 0, st.struct.get("static", False))
            return
        ctx.define_label(name, st.snespos)

    def posneg_label(self, text: str) -> None:
        ctx = self.ctx
        st = ctx.state
        self.require_org()
        name = ctx.posneg_name(text, defining=True)
        scope = ""
        if text[0] == "?":
            text = text[1:]
            scope = f"?{st.macro_counter}"
        key = f"{scope}{text[0]}{len(text)}"
        if text[0] == "+":
            st.pos_counts[key] = st.pos_counts.get(key, 0) + 1
        else:
            st.neg_counts[key] = st.neg_counts.get(key, 0) + 1
        ctx.set_label(name, st.snespos, st.freespace_id)

    def assign(self, name: str, expression: str) -> None:
        ctx = self.ctx
        ctx.found_nonstatic = False
        value = ctx.eval_int(expression)
        if ctx.found_nonstatic and not ctx.asar2_freespace:
            # asar 1.9 only assigns values that stay put between passes; asar 2.0
            # (segments, freespace_settings) allows `lbl2 = lbl1+5` in freespace
            raise AsmError("A310", f"{name} = {expression}: a label cannot be set to "
                           "a label that may move between passes")
        st = ctx.state
        full = name.replace(".", "_")
        if name.startswith("?"):
            full = ctx.canonical(name, defining=True)
        elif name.startswith("."):
            full = ctx.canonical(name, defining=True)
            if st.namespaces:
                full = "_".join(st.namespaces) + "_" + full
        elif st.namespaces:
            full = "_".join(st.namespaces) + "_" + full
        ctx.set_label(full, value & 0xFFFFFFFF if value >= 0 else value & 0xFFFFFF, 0,
                      not ctx.found_nonstatic)

    # ----- instructions --------------------------------------------------------------
    def instruction(self, action) -> None:
        _, mnem, modifier, kind, arg, info, fixed, early = action
        ctx = self.ctx
        st = ctx.state
        final = ctx.pass_no == ctx.final_pass
        if early is not None and not final:
            self.advance(1 + early)
            return
        if not st.org_set:
            self.require_org()
        if info.branch:
            if not final:
                self.advance(1 + info.min_w)
                return
            width = info.min_w
            opcode = info.widths[width][0]
            value = self._branch_value(arg, modifier, width) if final else 0
            self.emit(bytes((opcode,)) + (value & (0xFF if width == 1 else 0xFFFF)).to_bytes(width, "little"))
            return
        if info.implied_repeat and kind == "imm":
            count = ctx.eval_int(arg)
            if count < 0 or count > 0x10000:
                raise AsmError("A209", f"repeat count {count} out of range")
            self.emit(bytes((info.widths[0][0],)) * count)
            return
        if kind in ("imp", "a"):
            opcode = info.widths[0][0]
            if info.implied_zero:
                self.emit(bytes((opcode, 0)))
            else:
                self.emit(bytes((opcode,)))
                if final and mnem == "xce":
                    st.m = st.x = 1
            return
        bank = info.bank
        if bank is None and st.bank_assume is not None:
            bank = st.bank_assume
        if fixed is not None:
            width = fixed
        else:
            arg_len = ctx.get_len(arg, kind == "imm", bank)
            width = self._real_len(info, arg_len, modifier, kind, arg)
        if not final:
            self.advance(1 + width)
            return
        opcode = info.widths[width][0]
        value = ctx.eval_int(arg) if final else 0
        data = bytes((opcode,)) + (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        imm = None
        if kind == "imm" and info.imm_flag:
            imm = (info.imm_flag, width)
        self.emit(data, imm)
        if final:
            if mnem == "rep":
                if value & 0x20:
                    st.m = 0
                if value & 0x10:
                    st.x = 0
            elif mnem == "sep":
                if value & 0x20:
                    st.m = 1
                if value & 0x10:
                    st.x = 1

    def _real_len(self, info, arg_len: int, modifier: str, kind: str, arg: str, static: bool = False) -> int:
        ctx = self.ctx
        lo, hi = info.min_w, info.max_w
        if modifier:
            width = width_for_modifier(modifier)
            if width is None:
                raise AsmError("A204", f"invalid opcode length specification .{modifier}")
            if width < lo or width > hi or width not in info.widths:
                raise AsmError("A205", f"{8 * width}-bit access is not valid here "
                               f"(allowed: {', '.join(str(8 * w) for w in sorted(info.widths) if w)})")
            return width
        if kind == "imm" and arg_len == 3 and hi == 2:
            # asar sizes `#` by the literal (#$0012 is 16-bit); `#label` takes the low word
            return hi
        if arg_len > hi:
            if ctx.pass_no == 0 and not static:
                return hi
            raise AsmError("A205", f"{8 * arg_len}-bit operand is too wide here "
                           f"(allowed: {', '.join(str(8 * w) for w in sorted(info.widths) if w)})")
        width = max(arg_len, lo)
        if width not in info.widths:
            width = min(w for w in info.widths if w >= width)
        return width

    def _branch_value(self, arg: str, modifier: str, width: int) -> int:
        ctx = self.ctx
        st = ctx.state
        ctx.found_label = False
        num = ctx.eval_int(arg)
        target_abs = ctx.found_label
        if modifier:
            mod = modifier.lower()
            if mod == "a":
                target_abs = True
            elif mod == "r":
                target_abs = False
            elif mod != "b":
                raise AsmError("A204", f"invalid branch length specification .{modifier}")
        if target_abs:
            delta = num - (st.snespos + width + 1)
            delta = ((delta + 0x8000) & 0xFFFF) - 0x8000
            if (num & ~0xFFFF) != (st.snespos & ~0xFFFF) or (width == 1 and not -128 <= delta <= 127):
                raise AsmError("A210", f"relative branch out of bounds (distance is {delta})")
            return delta
        if num & ~(0xFFFF if width == 2 else 0xFF):
            raise AsmError("A210", f"relative branch out of bounds (distance is {num})")
        return num

    def block_move(self, action) -> None:
        _, mnem, opcode, first, second = action
        ctx = self.ctx
        self.require_org()
        a = b = 0
        if ctx.pass_no == ctx.final_pass:
            a = ctx.eval_int(first)
            b = ctx.eval_int(second)
            for v in (a, b):
                if not 0 <= v <= 255:
                    raise AsmError("A203", f"{mnem} bank operand ${v:X} is not 8-bit")
        self.emit(bytes((opcode, a, b)))

    # ----- output --------------------------------------------------------------------
    def advance(self, n: int) -> None:
        """Earlier passes only measure: move the position as ``emit`` of n bytes would.

        (The engine advances a line of fixed-size statements in one call, so the
        effect of n bytes must not depend on how they are split between calls.)"""
        ctx = self.ctx
        st = ctx.state
        if not st.org_set:
            self.require_org()
        if st.struct is not None:
            raise AsmError("A713", "data cannot be written inside a struct")
        if ctx.asar2_freespace and not st.freespace_id and n > 0:
            ctx.org_writes.append((st.realsnespos & 0xFFFFFF, n))
        if st.bankcross == "off":
            self._step_linear(n)
        else:
            st.snespos += n
            st.realsnespos += n
        st.bytes_written += n

    def _step_linear(self, n: int) -> None:
        """With bank-cross checks off, asar moves on through the ROM, not the address:
        past a bank's end the position continues at the next ROM byte's SNES address
        (``$00FFFF`` + 1 is ``$818000`` in lorom)."""
        ctx = self.ctx
        st = ctx.state
        positions = []
        for pos in (st.snespos, st.realsnespos):
            pc = ctx.snes_to_pc(pos & 0xFFFFFF)
            snes = ctx.pc_to_snes(pc + n) if pc >= 0 else -1
            positions.append((pos & ~0xFFFFFF) | snes if snes >= 0 else pos + n)
        st.snespos, st.realsnespos = positions
        st.startpos, st.realstartpos = st.snespos, st.realsnespos

    def emit(self, data: bytes, imm=None) -> None:
        ctx = self.ctx
        st = ctx.state
        if ctx.pass_no != ctx.final_pass or (ctx.unplaced and st.freespace_id in ctx.unplaced):
            # a block that found no freespace was reported once (A801); it writes nothing
            self.advance(len(data))
            return
        if not st.org_set:
            self.require_org()
        if st.struct is not None:
            raise AsmError("A713", "data cannot be written inside a struct")
        n = len(data)
        if n:
            snes = st.realsnespos
            runs = ctx.write_runs
            last = runs[-1] if runs else None
            if last is not None and last[0] + len(last[2]) == snes and (last[0] ^ snes) & 0xFF0000 == 0:
                # straight on from the last write in the same bank: every map is linear
                # there, so the bytes extend that run
                pc = last[1] + len(last[2])
                merge = True
            else:
                pc = ctx.snes_to_pc(snes)
                if pc < 0:
                    raise AsmError("A206", f"SNES address ${snes & 0xFFFFFF:06X} doesn't map to ROM")
                merge = last is not None and last[1] + len(last[2]) == pc \
                    and (last[0] + len(last[2])) & 0xFFFFFF == snes & 0xFFFFFF
            end = pc + n
            if end > ctx.options.max_output:
                raise FatalError("A211", f"output would exceed {ctx.options.max_output} bytes")
            rom = ctx.rom
            size = len(rom)
            if pc == size:
                rom += data         # the usual case when building a ROM: append
            else:
                if end > size:
                    # asar (1.90 on) grows the ROM with the freespacebyte
                    rom.extend(bytes((ctx.freespace_byte,)) * (end - size))
                rom[pc:end] = data
            if end > ctx.rom_len:  # noqa: PLR1730 - cheaper than max() on every emit
                ctx.rom_len = end
            if merge:
                last[2] += data
            else:
                runs.append([snes & 0xFFFFFF, pc, bytearray(data)])
            # the line record: more bytes of the same line usually extend its row
            addr = st.snespos & 0xFFFFFF
            rows = ctx.line_rows
            row = rows[-1] if rows else None
            if imm is None and row is not None and row[2] + len(row[3]) == addr \
                    and row[1] == ctx.cur.line and row[0] == ctx.cur.file:
                _extend_row(row, data)
            else:
                self._record_line(addr, data, imm)
        if st.bankcross == "off":
            self._step_linear(n)
        else:
            st.snespos += n
            st.realsnespos += n
        st.bytes_written += n

    def _record_line(self, addr: int, data: bytes, imm) -> None:
        """Rows are [file, line, addr, bytearray, m, x, imm_size, decode_m, decode_x];
        they become :class:`LineRecord` objects once, after the final pass."""
        ctx = self.ctx
        where = ctx.cur
        rows = ctx.line_rows
        if rows:
            last = rows[-1]
            if last[1] == where.line and last[0] == where.file and last[2] + len(last[3]) == addr:
                _extend_row(last, data)
                if imm is not None:
                    if last[6] is None:
                        last[6] = imm[1]
                    if imm[0] == "m":
                        last[7] = 0 if imm[1] == 2 else 1
                    else:
                        last[8] = 0 if imm[1] == 2 else 1
                return
        st = ctx.state
        # bytes, not a bytearray: most lines emit once (a merge makes it a bytearray)
        row = [where.file, where.line, addr, bytes(data), st.m, st.x, None, st.m, st.x]
        if imm is not None:
            row[6] = imm[1]
            if imm[0] == "m":
                row[7] = 0 if imm[1] == 2 else 1
            else:
                row[8] = 0 if imm[1] == 2 else 1
        rows.append(row)

    def check_bank_cross(self) -> None:
        st = self.ctx.state
        if not st.org_set or st.struct is not None:
            return
        mode = st.bankcross
        if mode == "off":
            return
        mask = 0x7FFF8000 if mode == "half" else 0x7FFF0000
        if ((st.snespos ^ st.startpos) & mask) and (((st.snespos - 1) ^ st.startpos) & mask):
            bad = st.snespos
        elif ((st.realsnespos ^ st.realstartpos) & mask) and (((st.realsnespos - 1) ^ st.realstartpos) & mask):
            bad = st.realsnespos
        else:
            return
        st.startpos = st.snespos
        st.realstartpos = st.realsnespos
        raise AsmError("A208", f"a bank border was crossed, SNES address ${bad & 0xFFFFFF:06X}")

    # ----- positions -------------------------------------------------------------------
    def set_org(self, addr: int) -> None:
        st = self.ctx.state
        self.close_freespace()
        st.org_set = True
        st.snespos = st.realsnespos = st.startpos = st.realstartpos = addr
        st.freespace_id = 0
        st.base_active = False

    def close_freespace(self) -> None:
        """End the current freespace block, noting its size for allocation."""
        ctx = self.ctx
        st = ctx.state
        if not st.freespace_id:
            return
        block = ctx.freespaces.get(st.freespace_id)
        if block is not None:
            size = st.realsnespos - st.freespace_start
            block.size = max(size, 0)
            if ctx.pass_no == ctx.final_pass and block.tag_size != block.size \
                    and block.ident not in ctx.unplaced:
                ctx.report("A802", "freespace block changed size between passes")
        st.freespace_id = 0
