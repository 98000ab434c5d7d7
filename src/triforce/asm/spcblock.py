"""asar's ``spcblock`` / ``endspcblock``: an SPC700 upload block in N-SPC format.

``spcblock $5000`` writes a 4-byte header (block length, then the SPC700
destination address), assembles what follows as SPC700 code located at the
destination, and ``endspcblock`` fills in the length. ``endspcblock execute
label`` (or the older ``startpos label`` inside the block) appends the
terminator ``00 00`` and the address the SPC700 jumps to. Labels inside the
block live in their own namespace, as in asar.
"""

from __future__ import annotations

from triforce.asm.context import AsmError

_NAMESPACE = ":SPCBLOCK:"


def d_spcblock(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    if st.spcblock is not None:
        raise AsmError("A718", "spcblock inside another spcblock")
    if st.struct is not None:
        raise AsmError("A718", "spcblock cannot start inside a struct")
    words = args.split()
    if not words or len(words) > 2:
        raise AsmError("A718", "spcblock takes a destination address and optionally nspc")
    if len(words) == 2 and words[1].lower() != "nspc":
        raise AsmError("A718", f"spcblock type {words[1]!r} is not supported (nspc only)")
    destination = ctx.eval_static(words[0])
    if destination & ~0xFFFF:
        raise AsmError("A221", f"spcblock destination ${destination:X} is not a 16-bit address")
    runner.require_org()
    size_address = st.realsnespos
    runner.emit(bytes([0, 0, destination & 0xFF, destination >> 8]))
    st.spcblock = {"size_address": size_address, "execute": None, "arch": st.arch,
                   "namespaces": st.namespaces, "startpos": st.startpos}
    st.snespos = st.startpos = destination
    st.arch = "spc700"
    st.namespaces = [_NAMESPACE] + st.namespaces


def d_startpos(runner, args, word, frame):
    st = runner.ctx.state
    if st.spcblock is None:
        raise AsmError("A718", "startpos outside an spcblock")
    ctx = runner.ctx
    st.spcblock["execute"] = ctx.eval_int(args) if ctx.pass_no == ctx.final_pass else 0


def d_endspcblock(runner, args, word, frame):
    ctx = runner.ctx
    st = ctx.state
    block = st.spcblock
    if block is None:
        raise AsmError("A718", "endspcblock without spcblock")
    words = args.split(None, 1)
    if words and (words[0].lower() != "execute" or len(words) != 2):
        raise AsmError("A718", "endspcblock takes nothing or `execute ADDRESS`")
    length = st.snespos - st.startpos
    if ctx.pass_no == ctx.final_pass:
        pc = ctx.snes_to_pc(block["size_address"])
        if pc < 0:
            raise AsmError("A206", "spcblock header does not map to ROM")
        _patch(ctx, pc, bytes([length & 0xFF, (length >> 8) & 0xFF]))
    execute = block["execute"]
    if words:
        execute = ctx.eval_int(words[1]) if ctx.pass_no == ctx.final_pass else 0
    st.arch = block["arch"]
    st.namespaces = block["namespaces"]
    st.spcblock = None
    if execute is not None:
        runner.emit(bytes([0, 0, execute & 0xFF, (execute >> 8) & 0xFF]))


def _patch(ctx, pc: int, data: bytes) -> None:
    """Overwrite bytes written earlier, in the ROM and in the record of writes."""
    ctx.rom[pc:pc + len(data)] = data
    for run in reversed(ctx.write_runs):
        offset = pc - run[1]
        if 0 <= offset and offset + len(data) <= len(run[2]):
            run[2][offset:offset + len(data)] = data
            return


SPCBLOCK_DIRECTIVES = {"spcblock": d_spcblock, "endspcblock": d_endspcblock, "startpos": d_startpos}
