"""``assemble()``: source text in, patched ROM image and diagnostics out.

Passes, as asar runs them: pass 0 finds labels (unknown ones count as 16-bit),
freespace blocks are then placed, pass 1 settles every operand width with all
labels known, and pass 2 writes the bytes and checks that no label moved.
A snippet without ``org`` assembles at $008000 without a warning, as asar does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from triforce.asm.context import Context, FatalError, LineRecord, Options, Write
from triforce.asm.engine import Engine
from triforce.asm.freespace import allocate, resolve_autocleans
from triforce.asm.gcpause import paused_gc
from triforce.asm.lines import split_source
from triforce.diagnostics import Diagnostic, Severity, SourceSpan
from triforce.rom.checksum import fix_checksum
from triforce.rom.header import rom_title


@dataclass
class AssemblyResult:
    ok: bool
    rom: bytes
    diagnostics: list[Diagnostic] = field(default_factory=list)
    prints: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)
    lines: list[LineRecord] = field(default_factory=list)
    mapper: str = "lorom"

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def data(self) -> bytes:
        """Every written byte in write order (handy for snippets)."""
        return b"".join(w.data for w in self.writes)


def assemble(source: str, *, filename: str = "<input>", rom: bytes | None = None,
             include_dirs=(), defines: dict[str, str] | None = None, allow_any_path: bool = False,
             base_dir: Path | None = None, title_check: bool = True, fix_rom_checksum: bool = True,
             max_macro_depth: int = 128, max_loop_iterations: int = 100_000,
             max_output: int = 16 * 1024 * 1024) -> AssemblyResult:
    """Assemble asar source against ``rom`` (no copier header); see module doc."""
    options = Options(
        filename=filename,
        include_dirs=tuple(Path(d) for d in include_dirs),
        base_dir=Path(base_dir) if base_dir is not None else None,
        allow_any_path=allow_any_path,
        defines={k.lstrip("!"): str(v) for k, v in (defines or {}).items()},
        max_macro_depth=max_macro_depth,
        max_loop_iterations=max_loop_iterations,
        max_output=max_output,
        title_check=title_check,
    )
    with paused_gc():       # see gcpause: a third of the time otherwise
        return _assemble(options, source, rom, fix_rom_checksum)


def _assemble(options: Options, source: str, rom: bytes | None, fix_rom_checksum: bool) -> AssemblyResult:
    filename = options.filename
    ctx = Context(options, rom)
    lines, errors = split_source(source, filename)
    for err in errors:
        ctx.report(err.code, err.message, span=SourceSpan(filename, err.line, 1), force=True)
    engine = Engine(ctx)
    try:
        _run_passes(ctx, engine, lines)
    except FatalError as exc:
        ctx.report(exc.code, exc.message, exc.severity, force=True)
    except RecursionError:
        ctx.report("A900", "source nests too deeply (recursion limit reached)", force=True)
    # the engine and its statement runner point at each other: unlink them so the
    # whole assembly is freed on return, while the collector is still paused
    engine.stmts = None
    st = ctx.state
    ctx.writes = [Write(snes, pc, bytes(data)) for snes, pc, data in ctx.write_runs]
    make_record = tuple.__new__     # LineRecord is a NamedTuple: skip its keyword handling
    ctx.lines = [make_record(LineRecord, (f, ln, addr, bytes(data), m, x, size, dm, dx))
                 for f, ln, addr, data, m, x, size, dm, dx in ctx.line_rows]
    image = ctx.rom[:ctx.rom_len]
    if not ctx.has_errors:
        _check_title(ctx, image, st.mapper)
    # asar fixes the header checksum (`checksum off` skips it, `checksum on` forces it)
    fix = ctx.checksum_fix if ctx.checksum_fix is not None else (st.mapper != "norom" and bool(ctx.writes))
    # the patch's own `checksum on` wins over the caller's fix_rom_checksum=False, as in asar
    if not ctx.has_errors and fix and (fix_rom_checksum or ctx.checksum_fix):
        fix_checksum(image, st.mapper, st.sa1_banks)
    labels = {name: lab.addr & 0xFFFFFF for name, lab in ctx.labels.items()
              if not name.startswith((":", "?"))}
    return AssemblyResult(
        ok=not ctx.has_errors,
        rom=bytes(image),
        diagnostics=list(ctx.diagnostics),
        prints=list(ctx.prints),
        labels=labels,
        writes=list(ctx.cleared) + list(ctx.writes),
        lines=list(ctx.lines),
        mapper=st.mapper,
    )


def _run_passes(ctx: Context, engine: Engine, lines) -> None:
    from triforce.asm.context import PassState

    def one_pass(number: int) -> None:
        ctx.pass_no = number
        ctx.pass_serial += 1
        ctx.state = PassState(ctx)
        ctx.warnings_off, ctx.warnings_stack = set(), []   # `warnings` settings are per pass
        ctx.current_file = ctx.options.filename
        ctx.guessed = False
        ctx.freespace_byte = 0          # asar resets freespacebyte every pass
        ctx.org_writes = []
        engine.run_pass(lines)

    one_pass(0)
    resolve_autocleans(ctx)
    if not ctx.guessed and not ctx.freespaces:
        # Pass 0 never had to guess a label, so pass 1 would lay everything out
        # exactly as pass 0 did: skip it and check the final pass against pass 0.
        ctx.pass_labels = {name: lab.addr for name, lab in ctx.labels.items()}
        ctx.final_pass = 2
        one_pass(2)
        return
    if ctx.asar2_freespace:
        # asar 2.0 places freespace around what org code writes and lets it use the
        # ROM that code grew: measure those writes (with every 2.0 command known) first
        one_pass(1)
    allocate(ctx)
    one_pass(1)
    for _ in range(3):
        # a freespace block that grew once every width was known needs a new home
        if not any(b.allocated_size < b.size for b in ctx.freespaces.values()):
            break
        allocate(ctx)
        one_pass(1)
    ctx.final_pass = 2
    one_pass(2)


def _check_title(ctx: Context, image: bytearray, mapper: str) -> None:
    expected = ctx.title_expected
    if expected is None or not ctx.options.title_check:
        return
    actual = rom_title(bytes(ctx.original), mapper)
    if actual is None:
        ctx.report("A719", f"ROM is too short to have a title (expected {expected!r})", force=True)
    elif actual.rstrip(" ") != expected.rstrip(" ") and actual != expected:
        ctx.report("A720", f"ROM title is incorrect: expected {expected!r}, got {actual!r}", force=True)
