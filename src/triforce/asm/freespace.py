"""freespace / freecode / freedata, RATS tags, autoclean and prot, as asar does them.

A freespace block is measured in one pass and placed between passes in the first
run of free bytes (``freespacebyte``, 0 by default) that fits inside one bank,
behind an 8-byte RATS tag (``STAR``, size-1, its complement). ``autoclean``
frees the block an old pointer leads to before placement, so repatching a ROM
reuses its space; ``prot`` lists further blocks that the tag's block owns.

asar 2.0 additions (``segment``, ``freespace_settings``, ``bank=``/``start=``/
``norats``...) switch on 2.0's placement for the patch: blocks then avoid what org
code writes and may use the ROM that code grew. No asar 1.91 source can reach that
mode (1.91 rejects the syntax), so 1.91 results stay as they were.
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


# bank: -3 unset, -2 ram (code), -1 noram (data), else a fixed bank (as asar encodes it)
_DEFAULT_SETTINGS = MappingProxyType({"bank": -3, "static": False, "align": False, "cleaned": False,
                                      "rats": True, "start": -1, "bankcross": False})
# switches asar 2.0 added (each has a `no` form); 1.91 knows ram/noram/static/align/cleaned
_FLAGS = MappingProxyType({
    "static": ("static", True), "nostatic": ("static", False),
    "align": ("align", True), "noalign": ("align", False),
    "cleaned": ("cleaned", True), "nocleaned": ("cleaned", False),
    "rats": ("rats", True), "norats": ("rats", False),
    "bankcross": ("bankcross", True), "nobankcross": ("bankcross", False)})
_V2_ONLY = frozenset({"nostatic", "noalign", "nocleaned", "rats", "norats", "bankcross", "nobankcross"})


def _parse_options(ctx, args: str, settings: dict) -> dict:
    """asar's freespace arguments: ram/noram/static/align/cleaned (1.91), the 2.0
    switches and ``bank=``/``start=``; a bare number is 1.91's (deprecated) freespacebyte."""
    for opt in (a.strip() for a in split_args(args)) if args.strip() else ():
        low = opt.lower()
        if low == "ram":
            settings["bank"] = -2
        elif low == "noram":
            settings["bank"] = -1
        elif low == "fixed":
            settings["static"] = True
        elif low in _FLAGS:
            key, value = _FLAGS[low]
            settings[key] = value
            ctx.asar2_freespace |= low in _V2_ONLY
        elif low.startswith("bank="):
            bank = ctx.eval_static(opt[5:], nonstatic_code="A309")
            if not 0 <= bank <= 0xFF:
                raise AsmError("A805", f"freespace bank={bank:#x} is not a bank number")
            settings["bank"] = bank
            ctx.asar2_freespace = True
        elif low.startswith("start="):
            start = ctx.eval_static(opt[6:], nonstatic_code="A309")
            if not 0 <= start <= 0xFFFFFF:
                raise AsmError("A805", f"freespace start={start:#x} is not a SNES address")
            settings["start"] = start
            ctx.asar2_freespace = True
        elif low.startswith("pin="):
            target = opt[4:].strip()
            if not target or not all(c.isalnum() or c in "_." for c in target):
                raise AsmError("A805", f"freespace pin={target!r} needs a label name")
            settings["pin"] = (_canonical(ctx, target), tuple(ctx.state.namespaces))
            ctx.asar2_freespace = True
        elif low:
            settings["fill"] = ctx.eval_int(opt) & 0xFF
    return settings


def d_freespace(runner, args, word, frame):
    """freespace/freecode/freedata (asar 1.91) and asar 2.0's ``segment`` (no RATS tag)."""
    ctx = runner.ctx
    st = ctx.state
    settings = dict(st.freespace_defaults or _DEFAULT_SETTINGS)
    settings["fill"] = ctx.freespace_byte
    if word == "freecode":
        settings["bank"] = -2
    elif word == "freedata":
        settings["bank"] = -1
    elif word == "segment":
        settings["rats"] = False
        ctx.asar2_freespace = True
    _parse_options(ctx, args, settings)
    if settings["bank"] == -3 and not settings["rats"]:
        settings["bank"] = -1
    if settings["bank"] == -3:
        raise AsmError("A805", f"{word} needs ram, noram or bank=N")
    if st.mapper == "norom":
        raise AsmError("A806", f"{word} cannot search for space in norom")
    if not settings["rats"]:
        if settings["static"] or settings["cleaned"]:
            raise AsmError("A805", "static/cleaned make no sense without a RATS tag")
        settings["cleaned"] = True
    runner.close_freespace()
    st.freespace_index += 1
    ident = st.freespace_index
    block = ctx.freespaces.get(ident)
    if block is None:
        block = Freespace(ident, word)
        ctx.freespaces[ident] = block
    bank = settings["bank"]
    block.code = bank == -2
    block.bank = bank if bank >= 0 else None
    block.align = settings["align"]
    block.cleaned = settings["cleaned"]
    block.static = settings["static"]
    block.write_rats = settings["rats"]
    block.search_start = settings["start"]
    block.fill = settings["fill"]
    block.bankcross = settings["bankcross"]
    block.pin = settings.get("pin")
    if block.pin is not None and ctx.pass_no == ctx.final_pass and _find_label(ctx, *block.pin) is None:
        raise AsmError("A301", f"pin= label {block.pin[0]!r} not found")
    block.where = ctx.cur
    addr = block.addr if block.addr >= 0 else PLACEHOLDER
    st.org_set = True
    st.freespace_id = ident
    st.snespos = st.realsnespos = st.startpos = st.realstartpos = addr
    st.freespace_start = addr
    st.base_active = False
    st.rats_meta_allowed = block.write_rats
    if ctx.pass_no == ctx.final_pass and ident not in ctx.unplaced:
        block.tag_size = block.size
        if block.write_rats and block.size and block.pc >= 8 and not block.pinned_to:
            tag = _rats_tag(block.group_size or block.size)
            _grow_rom(ctx, block.pc - 8)
            ctx.rom[block.pc - 8:block.pc] = tag
            ctx.rom_len = max(ctx.rom_len, block.pc)
            ctx.write_runs.append([ctx.pc_to_snes(block.pc - 8) & 0xFFFFFF, block.pc - 8, bytearray(tag)])
        st.freespace_use += block.size + (8 if block.size and block.write_rats else 0)
        if block.leaked and not block.cleaned:
            ctx.warn("W801", f"this {word} block appears to be leaked (no autoclean or prot "
                     "points into it)")


def incbin_to_label(runner, name: str, chunk: bytes) -> None:
    """asar 1.91's ``incbin file -> Label``: the data goes to a freespace block of its
    own (RATS-tagged, free to span LoROM banks) and ``Label`` names its start. asar finds
    these blocks in pass 0, before any freecode/freedata block."""
    ctx = runner.ctx
    st = ctx.state
    if len(chunk) > 0x10000:
        raise AsmError("A809", f"incbin -> {name}: more than 64 KiB ({len(chunk)} bytes)")
    st.freespace_index += 1
    ident = st.freespace_index
    block = ctx.freespaces.get(ident)
    if block is None:
        block = Freespace(ident, "incbin")
        ctx.freespaces[ident] = block
    block.code = False
    block.bankcross = True
    block.fill = ctx.freespace_byte
    block.where = ctx.cur
    block.size = len(chunk)
    ctx.set_label(name, block.addr if block.addr >= 0 else PLACEHOLDER, ident)
    if ctx.pass_no != ctx.final_pass or block.pc < 8 or ident in ctx.unplaced:
        return
    block.tag_size = block.size
    data = _rats_tag(block.size) + chunk
    start = block.pc - 8
    _grow_rom(ctx, start)
    ctx.rom[start:start + len(data)] = data
    ctx.rom_len = max(ctx.rom_len, start + len(data))
    ctx.write_runs.append([ctx.pc_to_snes(start) & 0xFFFFFF, start, bytearray(data)])
    st.freespace_use += len(data)
    if block.leaked:
        ctx.warn("W801", f"the incbin -> {name} block appears to be leaked (no autoclean "
                 "or prot points into it)")


def _grow_rom(ctx, size: int) -> None:
    """Grow the image to ``size`` bytes with the freespacebyte, as asar grows the ROM."""
    if len(ctx.rom) < size:
        ctx.rom.extend(bytes((ctx.freespace_byte,)) * (size - len(ctx.rom)))


def d_freespace_settings(runner, args, word, frame):
    """asar 2.0: the defaults for every later freespace/segment command of this pass."""
    ctx = runner.ctx
    st = ctx.state
    ctx.asar2_freespace = True
    settings = dict(st.freespace_defaults or _DEFAULT_SETTINGS)
    _parse_options(ctx, args, settings)
    settings.pop("fill", None)
    st.freespace_defaults = settings


def d_freespacebyte(runner, args, word, frame):
    runner.ctx.freespace_byte = runner.ctx.eval_static(args, nonstatic_code="A309") & 0xFF


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
        _mark_cleaned(ctx, name)
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
        if st.freespace_id:
            # the pointer itself would move with the block, so it cannot clean anything
            raise AsmError("A810", "autoclean cannot be used inside a freespace block")
        _mark_cleaned(ctx, rest[len(head):])
        if ctx.pass_no == 0:
            runner.require_org()
            pc = ctx.snes_to_pc(st.realsnespos)
            off = pc + (0 if mnem == "dl" else 1)
            if pc >= 0 and off + 3 <= len(ctx.rom):
                pointer = int.from_bytes(ctx.rom[off:off + 3], "little")
                # freed once every label is known (a static block keeps its place)
                ctx.pending_cleans.append((pointer, _canonical(ctx, rest[len(head):]),
                                           tuple(st.namespaces)))
        st.rats_meta_allowed = False
        runner.run_block(rest, frame)
        return
    if ctx.pass_no == 0:
        remove_rats(ctx, ctx.eval_int(rest))


def _canonical(ctx, name: str) -> str:
    try:
        return ctx.canonical(name.strip())
    except AsmError:
        return ""


def _find_label(ctx, canon: str, namespaces: tuple[str, ...]):
    """A label as it was named somewhere else (its namespaces then), once all are known."""
    for i in range(len(namespaces), -1, -1):
        lab = ctx.labels.get(("_".join(namespaces[:i]) + "_" if i else "") + canon)
        if lab is not None:
            return lab
    return None


def resolve_autocleans(ctx) -> None:
    """After pass 0: free the blocks old autoclean pointers lead to. A ``static``
    block is not freed; it keeps its old place (asar's freespaceorgpos)."""
    for pointer, canon, namespaces in ctx.pending_cleans:
        lab = _find_label(ctx, canon, namespaces)
        block = ctx.freespaces.get(lab.freespace) if lab is not None and lab.freespace else None
        if block is not None and block.static:
            pos = rats_start(ctx, pointer)
            if pos >= 0:
                block.orig_pc = pos + 8
                block.orig_len = (ctx.rom[pos + 4] | (ctx.rom[pos + 5] << 8)) + 1
            elif block.orig_pc == -2:
                block.orig_pc = 0
            continue
        if block is not None and block.orig_pc == -2:
            block.orig_pc = 0
        remove_rats(ctx, pointer)
    ctx.pending_cleans = []


def _mark_cleaned(ctx, name: str) -> None:
    """An autoclean or prot pointing at a label keeps its freespace block from leaking."""
    try:
        lab = ctx.lookup_label(name.strip())
    except AsmError:
        return
    block = ctx.freespaces.get(lab.freespace) if lab is not None and lab.freespace else None
    if block is not None:
        block.leaked = False


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
            free: int, tag: int = 8, align_mask: int | None = None) -> int:
    """First offset in [start, end) where ``need`` free bytes fit, the contents (after a
    ``tag``-byte RATS tag) within one bank and, with ``align``, starting one."""
    if align_mask is None:
        align_mask = bank_mask
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
            content = s + tag
            if align and content & align_mask:
                s = ((content | align_mask) + 1) - tag
                continue
            if (content & ~bank_mask) != ((s + need - 1) & ~bank_mask):
                s = ((content | bank_mask) + 1) - tag
                continue
            return s
        pos = run_end


def _tag_len(block) -> int:
    return 8 if block.write_rats else 0


def _pin_groups(ctx) -> dict[int, list]:
    """asar 2.0 ``pin=``: the blocks pinned (directly or through others) to each root
    block, in id order; a pin to org code, to itself or in a circle is ignored."""
    target = {}
    for block in ctx.freespaces.values():
        lab = _find_label(ctx, *block.pin) if block.pin is not None else None
        if lab is not None and lab.freespace in ctx.freespaces and lab.freespace != block.ident:
            target[block.ident] = lab.freespace
    groups: dict[int, list] = {}
    for ident in sorted(target):
        root, seen = ident, {ident}
        while root in target:
            root = target[root]
            if root in seen:
                break
            seen.add(root)
        else:
            groups.setdefault(root, []).append(ctx.freespaces[ident])
    return groups


def allocate(ctx) -> None:
    """Place every freespace block that has no home (or outgrew it) for the next pass;
    blocks pinned to another one follow it in one run of free space."""
    groups = _pin_groups(ctx)
    members = {b.ident for group in groups.values() for b in group}
    for block in ctx.freespaces.values():
        block.pinned_to = 0
        block.group_size = 0

    def group_of(block):
        return [block] + groups.get(block.ident, [])

    def stale(block):
        group = group_of(block)
        if len(group) == 1:
            return block.pc < 0 or block.allocated_size < block.size
        return block.pc < 0 or any(b.allocated_size != b.size for b in group)

    roots = [b for b in ctx.freespaces.values() if b.ident not in members]
    placed = [(b.pc - _tag_len(b), sum(g.allocated_size for g in group_of(b)) + _tag_len(b))
              for b in roots if b.pc >= 0 and not stale(b)]
    # asar places `incbin -> label` blocks in pass 0, the others in pass 1
    pending = [b for b in sorted(roots, key=lambda b: (b.kind != "incbin", b.ident)) if stale(b)]
    written = _org_written_ranges(ctx) if ctx.asar2_freespace and pending else []
    for block in pending:
        group = group_of(block)
        if block.static and len(group) == 1 and _keep_static_place(ctx, block):
            continue
        free = block.fill
        scratch = bytearray(ctx.rom)
        taken = bytes(((free ^ 0xFF),))
        for pos, length in _existing_tags(scratch) + placed + written:
            scratch[pos:pos + length] = taken * len(scratch[pos:pos + length])
        tag = _tag_len(block)
        total = sum(b.size for b in group)
        need = total + tag
        if ctx.asar2_freespace:
            block.search_start = max(b.search_start for b in group)
            found = _place_v2(ctx, scratch, block, need, free)
        else:
            found = _place(ctx, scratch, block, need, free)
        if found < 0:
            where = block.where
            ctx.report("A801", f"no freespace found for a block of {total} bytes", force=True,
                       span=SourceSpan(where.file, where.line, 1) if where is not None else None)
            for b in group:
                b.pc = 8
                b.addr = PLACEHOLDER
                b.allocated_size = b.size
                ctx.unplaced.add(b.ident)
            continue
        pc = found + tag
        for b in group:
            ctx.unplaced.discard(b.ident)
            b.pc = pc
            b.addr = ctx.pc_to_snes(pc)
            if ctx.asar2_freespace and block.code and ctx.state.mapper in ("hirom", "exhirom"):
                b.addr &= ~0x400000     # asar 2.0: code runs from the $00-$3F mirror
            b.allocated_size = b.size
            b.pinned_to = block.ident if b is not block else 0
            pc += b.size
        block.group_size = total if len(group) > 1 else 0
        placed.append((found, need))


def _keep_static_place(ctx, block) -> bool:
    """asar 1.91: a ``static`` block must be the target of an autoclean, and one that
    found the block from an earlier run keeps it where it was (it may not grow)."""
    where = block.where
    span = SourceSpan(where.file, where.line, 1) if where is not None else None
    if block.orig_pc == -2:
        ctx.report("A807", "a static freespace block needs an autoclean pointing at it",
                   force=True, span=span)
        block.leaked = False        # one report is enough (asar mutes the leak warning too)
        return False
    if block.orig_pc <= 0:
        return False
    if block.size > block.orig_len:
        ctx.report("A808", f"static freespace block grew from {block.orig_len} to {block.size} "
                   "bytes", force=True, span=span)
    block.pc = block.orig_pc
    block.addr = ctx.pc_to_snes(block.pc)
    block.allocated_size = max(block.size, block.orig_len)
    return True


def _org_written_ranges(ctx) -> list[tuple[int, int]]:
    """asar 2.0: the (file offset, length) runs org code writes, which freespace must
    avoid; the ROM grows (with the freespacebyte) to hold them, as 2.0's pass 1 does."""
    runs: list[list[int]] = []
    for snes, n in sorted(ctx.org_writes):
        if runs and snes <= runs[-1][0] + runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], snes + n - runs[-1][0])
        else:
            runs.append([snes, n])
    ranges = []
    for snes, n in runs:
        pc = ctx.snes_to_pc(snes)
        if pc >= 0:
            ranges.append((pc, n))
    end = max((pc + n for pc, n in ranges), default=0)
    if end > len(ctx.rom):
        _grow_rom(ctx, end)
        ctx.rom_len = max(ctx.rom_len, end)
    return ranges


def _place_v2(ctx, scratch: bytearray, block, need: int, free: int) -> int:
    """asar 2.0's getpcfreespace: a fixed bank (``bank=``), a search start (``start=``)
    and blocks without a RATS tag."""
    mapper = ctx.state.mapper
    if block.size == 0:
        return 0
    tag = _tag_len(block)
    floor = ctx.snes_to_pc(block.search_start) if block.search_start >= 0 else -1

    def search(lo: int, hi: int, bank_mask: int) -> int:
        return _search(scratch, max(lo, floor), min(hi, len(scratch)), need, bank_mask,
                       block.align, free, tag)

    if block.bank is not None:
        bank = block.bank
        high = bank & 0x40 and mapper not in ("lorom", "exlorom")
        lo = ctx.snes_to_pc((bank << 16) | (0 if high else 0x8000))
        if lo < 0:
            return -1
        return search(lo, lo + (0x10000 if high else 0x8000), 0x7FFF if mapper in ("lorom", "exlorom") else 0xFFFF)
    anywhere = floor >= 0
    if mapper == "lorom":
        mask = 0xFFFFFF if block.bankcross else 0x7FFF
        if need > 0x8008 and not block.bankcross:
            return -1
        for _ in range(4):
            rom_len = len(scratch)
            if rom_len > 0x200000 and not block.code:
                pos = search(0 if anywhere else 0x200000 - 8, min(rom_len, 0x400000), mask)
                if pos >= 0:
                    return pos
            pos = search(0 if anywhere else 0x80000, min(rom_len, 0x200000), mask)
            if pos >= 0:
                return pos
            if not _expand(ctx, scratch, block, free):
                return -1
        return -1
    if mapper in ("hirom", "exhirom"):
        if block.code:
            for base in range(0x8000, min(len(scratch), 0x400000), 0x10000):
                pos = search(base, base + 0x7FFF, 0x7FFF)
                if pos >= 0:
                    return pos
            return -1
        return search(0, len(scratch), 0xFFFF)
    if mapper == "exlorom":
        return search(0, len(scratch), 0x7FFF)
    if mapper == "sfxrom":
        return search(0 if anywhere else 0x80000, len(scratch), 0x7FFF) if block.code else -1
    return _place(ctx, scratch, block, need, free)


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
            # a block that may span banks (incbin -> label) only keeps a big one bank-aligned
            mask = 0xFFFFFF if block.bankcross and mapper == "lorom" else 0x7FFF
            align = block.align or (block.bankcross and need >= 0x8000)
            if mapper == "lorom" and rom_len > 0x200000 and not block.code:
                pos = _search(scratch, 0x200000 - 8, min(rom_len, 0x400000), need, mask, align, free,
                              align_mask=0x7FFF)
                if pos >= 0:
                    return pos
            pos = _search(scratch, 0x80000, min(rom_len, 0x200000) if mapper == "lorom" else rom_len,
                          need, mask, align, free, align_mask=0x7FFF)
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
    "segment": d_freespace, "freespace_settings": d_freespace_settings,
})
