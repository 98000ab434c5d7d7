"""freespace / freecode / freedata, RATS tags, autoclean and prot, as asar does them.

A freespace block is measured in one pass and placed between passes in the first
run of free bytes (``freespacebyte``, 0 by default) that fits inside one bank,
behind an 8-byte RATS tag (``STAR``, size-1, its complement). ``autoclean``
frees the block an old pointer leads to before placement, so repatching a ROM
reuses its space; ``prot`` lists further blocks that the tag's block owns.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from triforce.asm.context import AsmError, Freespace, Write
from triforce.asm.engine import first_word
from triforce.asm.lines import split_args
from triforce.diagnostics import SourceSpan

PLACEHOLDER = 0x808000   # where an unplaced block assembles in pass 0 (its labels carry the id)


def _rats_tag(size: int) -> bytes:
    stored = size - 1 if size else 0
    lo, hi = stored & 0xFF, (stored >> 8) & 0xFF
    return b"STAR" + bytes((lo, hi, lo ^ 0xFF, hi ^ 0xFF))


def d_freespace(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    opts = [a.strip() for a in split_args(args)] if args.strip() else []
    if word == "freecode":
        opts.insert(0, "ram")
    elif word == "freedata":
        opts.insert(0, "noram")
    runner.close_freespace()
    st.freespace_index += 1
    ident = st.freespace_index
    block = ctx.freespaces.get(ident)
    if block is None:
        block = Freespace(ident, word)
        ctx.freespaces[ident] = block
    block.code = True
    block.where = ctx.cur
    for opt in opts:
        low = opt.lower()
        if low == "ram":
            block.code = True
        elif low == "noram":
            block.code = False
        elif low == "align":
            block.align = True
        elif low == "cleaned":
            block.cleaned = True
        elif low == "static":
            block.static = True
        elif low:
            block.bank = ctx.eval_int(opt) & 0xFF
    addr = block.addr if block.addr >= 0 else PLACEHOLDER
    st.org_set = True
    st.freespace_id = ident
    st.snespos = st.realsnespos = st.startpos = st.realstartpos = addr
    st.freespace_start = addr
    st.base_active = False
    st.rats_meta_allowed = True
    if ctx.pass_no == ctx.final_pass:
        block.tag_size = block.size
        if block.size and block.pc >= 8:
            tag = _rats_tag(block.size)
            ctx.rom[block.pc - 8:block.pc] = tag
            ctx.write_runs.append([ctx.pc_to_snes(block.pc - 8) & 0xFFFFFF, block.pc - 8, bytearray(tag)])
        st.freespace_use += block.size + (8 if block.size else 0)


def d_freespacebyte(runner, args, word, frame):
    runner.ctx.freespace_byte = runner.ctx.eval_int(args) & 0xFF


def d_prot(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    if not st.freespace_id or not getattr(st, "rats_meta_allowed", False):
        raise AsmError("A803", "prot must come right after freespace")
    names = [a for a in split_args(args) if a]
    if not names or len(names) > 85:
        raise AsmError("A804", "prot takes 1 to 85 labels")
    data = bytearray(b"PROT") + bytes((3 * len(names),))
    for name in names:
        value = ctx.eval_int(name) if ctx.pass_no == ctx.final_pass else 0
        data += (value & 0xFFFFFF).to_bytes(3, "little")
    data += b"STOP"
    runner.emit(bytes(data))
    st.rats_meta_allowed = False


def d_autoclean(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    rest = args.strip()
    head = first_word(rest)
    mnem = head.split(".")[0]
    if mnem in ("jml", "jsl", "dl", "jmp", "jsr"):
        if ctx.pass_no == 0:
            runner.require_org()
            pc = ctx.snes_to_pc(st.realsnespos)
            off = pc + (0 if mnem == "dl" else 1)
            if pc >= 0 and off + 3 <= len(ctx.rom):
                pointer = int.from_bytes(ctx.rom[off:off + 3], "little")
                remove_rats(ctx, pointer)
        st.rats_meta_allowed = False
        runner.run_block(rest, frame)
        return
    if ctx.pass_no == 0:
        remove_rats(ctx, ctx.eval_int(rest))


def rats_start(ctx, snes_addr: int) -> int:
    """PC offset of the RATS tag whose block holds ``snes_addr``, or -1 (asar's ratsstart)."""
    pc = ctx.snes_to_pc(snes_addr)
    if pc < 0x7FFF8 or pc > len(ctx.rom):
        return -1
    rom = ctx.rom
    lo = max(pc - 0x10000, 0)
    pos = rom.rfind(b"STAR", lo, pc)
    while pos >= 0:
        if pos + 8 <= len(rom) and (rom[pos + 4] ^ rom[pos + 6]) == 0xFF and (rom[pos + 5] ^ rom[pos + 7]) == 0xFF:
            length = rom[pos + 4] | (rom[pos + 5] << 8)
            if pos + 8 + length + 1 > pc:
                return pos
            return -1
        pos = rom.rfind(b"STAR", lo, pos)
    return -1


def remove_rats(ctx, snes_addr: int, depth: int = 0) -> None:
    """Free a RATS-protected block (and the blocks its PROT list names)."""
    if depth > 16:
        return
    pos = rats_start(ctx, snes_addr)
    if pos < 0:
        return
    rom = ctx.rom
    meta = pos + 8
    while meta + 5 <= len(rom) and all(65 <= b <= 90 for b in rom[meta:meta + 4]):
        name = bytes(rom[meta:meta + 4])
        if name == b"STOP":
            break
        length = rom[meta + 4]
        if name == b"PROT" and length % 3 == 0:
            for i in range(length // 3):
                p = meta + 5 + 3 * i
                remove_rats(ctx, int.from_bytes(rom[p:p + 3], "little"), depth + 1)
        meta += 5 + length
    length = (rom[pos + 4] | (rom[pos + 5] << 8)) + 9
    fill = bytes((ctx.freespace_byte,)) * length
    rom[pos:pos + length] = fill
    ctx.cleared.append(Write(ctx.pc_to_snes(pos) & 0xFFFFFF, pos, fill))


def _existing_tags(rom: bytearray) -> list[tuple[int, int]]:
    tags = []
    for m in re.finditer(b"STAR", rom):
        pos = m.start()
        if pos + 8 <= len(rom) and (rom[pos + 4] ^ rom[pos + 6]) == 0xFF and (rom[pos + 5] ^ rom[pos + 7]) == 0xFF:
            tags.append((pos, (rom[pos + 4] | (rom[pos + 5] << 8)) + 9))
    return tags


def _search(scratch: bytearray, start: int, end: int, need: int, bank_mask: int, align: bool,
            free: int) -> int:
    """First offset in [start, end) where ``need`` free bytes fit, contents within one bank."""
    if need > end - start or need > 0x1000000:
        return -1
    pattern = re.compile(re.escape(bytes((free,))) + b"{%d,}" % need)
    pos = start
    while True:
        m = pattern.search(scratch, pos, end)
        if m is None:
            return -1
        s, run_end = m.start(), m.end()
        while s + need <= run_end:
            content = s + 8
            if align and content & bank_mask:
                s = ((content | bank_mask) + 1) - 8
                continue
            if (content & ~bank_mask) != ((s + need - 1) & ~bank_mask):
                s = ((content | bank_mask) + 1) - 8
                continue
            return s
        pos = run_end


def allocate(ctx) -> None:
    """Place every freespace block that has no home (or outgrew it) for the next pass."""
    placed = [(b.pc - 8, b.allocated_size + 8) for b in ctx.freespaces.values()
              if b.pc >= 0 and b.allocated_size >= b.size]
    pending = [b for b in sorted(ctx.freespaces.values(), key=lambda b: b.ident)
               if b.pc < 0 or b.allocated_size < b.size]
    if not pending:
        return
    free = ctx.freespace_byte
    for block in pending:
        scratch = bytearray(ctx.rom)
        for pos, length in _existing_tags(scratch) + placed:
            scratch[pos:pos + length] = bytes(((free ^ 0xFF),)) * len(scratch[pos:pos + length])
        need = block.size + 8
        found = _place(ctx, scratch, block, need, free)
        if found < 0:
            where = block.where
            ctx.report("A801", f"no freespace found for a block of {block.size} bytes", force=True,
                       span=SourceSpan(where.file, where.line, 1) if where is not None else None)
            block.pc = 8
            block.addr = PLACEHOLDER
            block.allocated_size = block.size
            continue
        block.pc = found + 8
        block.addr = ctx.pc_to_snes(found + 8)
        block.allocated_size = block.size
        placed.append((found, need))


def _place(ctx, scratch: bytearray, block, need: int, free: int) -> int:
    mapper = ctx.state.mapper
    if block.size == 0:
        return 0
    for _ in range(4):
        rom_len = len(ctx.rom)
        if mapper in ("hirom", "exhirom"):
            if block.code:
                for base in range(0x8000, min(rom_len, 0x400000), 0x10000):
                    pos = _search(scratch, base, min(base + 0x8000, rom_len), need, 0x7FFF, block.align, free)
                    if pos >= 0:
                        return pos
            else:
                pos = _search(scratch, 0, rom_len, need, 0xFFFF, block.align, free)
                if pos >= 0:
                    return pos
        else:
            if mapper == "lorom" and rom_len > 0x200000 and not block.code:
                pos = _search(scratch, 0x200000 - 8, min(rom_len, 0x400000), need, 0x7FFF, block.align, free)
                if pos >= 0:
                    return pos
            pos = _search(scratch, 0x80000, min(rom_len, 0x200000) if mapper == "lorom" else rom_len,
                          need, 0x7FFF, block.align, free)
            if pos >= 0:
                return pos
        if not _expand(ctx, scratch, block, free):
            return -1
    return -1


def _expand(ctx, scratch: bytearray, block, free: int) -> bool:
    """asar's autoexpand for LoROM: 512 KiB -> 1 MiB -> 2 MiB (-> 4 MiB for data)."""
    if ctx.state.mapper != "lorom":
        return False
    size = len(ctx.rom)
    steps = {0x80000: (0x100000, 0x0A), 0x100000: (0x200000, 0x0B)}
    if not block.code:
        steps.update({0x200000: (0x400000, 0x0C), 0x300000: (0x400000, 0x0C)})
    if size not in steps:
        return False
    new_size, code = steps[size]
    ctx.rom.extend(bytes((free,)) * (new_size - size))
    scratch.extend(bytes((free,)) * (new_size - size))
    ctx.rom_len = new_size
    ctx.rom[0x7FD7] = code
    ctx.cleared.append(Write(0x00FFD7, 0x7FD7, bytes((code,))))
    return True


FREESPACE_DIRECTIVES = MappingProxyType({
    "freespace": d_freespace, "freecode": d_freespace, "freedata": d_freespace,
    "freespacebyte": d_freespacebyte, "prot": d_prot, "autoclean": d_autoclean,
})
