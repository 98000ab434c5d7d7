"""``build()``: the ``asar SRC ROM`` behaviour on files.

The ROM is read (a copier header is detected by size; a new ``.smc`` gets one),
the source assembled against it, and only when there are no errors is the new
image written: to a temporary file beside the ROM, then ``os.replace`` — so on
any error, or a crash mid-write, the ROM stays byte-for-byte as it was.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from triforce.asm.assembler import AssemblyResult, assemble
from triforce.asm.symbols import wla_symbols
from triforce.diagnostics import Diagnostic, Severity, SourceSpan, error
from triforce.rom.header import COPIER_HEADER_SIZE, has_copier_header

SYMBOL_FORMATS = ("wla",)


@dataclass
class BuildResult:
    ok: bool
    rom_path: Path | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    prints: list[str] = field(default_factory=list)
    assembly: AssemblyResult | None = None
    copier_header: bool = False
    created: bool = False
    symbols_path: Path | None = None


def default_rom_path(src: Path) -> Path:
    """asar's default: the source name with .smc if such a ROM exists, else .sfc."""
    smc = src.with_suffix(".smc")
    return smc if smc.exists() else src.with_suffix(".sfc")


def _fail(code: str, message: str, path, rom_path=None) -> BuildResult:
    return BuildResult(False, rom_path, [error(code, message, SourceSpan(str(path), 0, 0))])


def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target, flush to disk, then rename over it."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def build(src_path, rom_path=None, *, include_dirs=(), defines=None, allow_any_path=False,
          symbols=None, title_check: bool = True) -> BuildResult:
    """Assemble ``src_path`` into ``rom_path`` in place. ``symbols`` is ``(format, path)``."""
    src = Path(src_path)
    try:
        source = src.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return _fail("A001", f"source file {src} not found", src)
    except OSError as exc:
        return _fail("A001", f"cannot read source {src}: {exc.strerror}", src)
    rom_file = Path(rom_path) if rom_path is not None else default_rom_path(src)
    if symbols is not None and symbols[0] not in SYMBOL_FORMATS:
        return _fail("A003", f"unknown symbol format {symbols[0]!r} (known: {', '.join(SYMBOL_FORMATS)})",
                     src, rom_file)
    created = not rom_file.exists()
    header = b""
    body = b""
    if not created:
        try:
            info = os.stat(rom_file)
            if not stat.S_ISREG(info.st_mode):
                return _fail("A002", f"ROM {rom_file} is not a regular file", rom_file, rom_file)
            data = rom_file.read_bytes()
        except OSError as exc:
            return _fail("A002", f"cannot read ROM {rom_file}: {exc.strerror}", rom_file, rom_file)
        if has_copier_header(len(data)):
            header, body = data[:COPIER_HEADER_SIZE], data[COPIER_HEADER_SIZE:]
        else:
            body = data
    elif rom_file.suffix.lower() == ".smc":
        header = bytes(COPIER_HEADER_SIZE)
    result = assemble(source, filename=str(src), rom=body, include_dirs=include_dirs, defines=defines,
                      allow_any_path=allow_any_path, base_dir=src.parent, title_check=title_check)
    out = BuildResult(result.ok, rom_file, list(result.diagnostics), list(result.prints), result,
                      bool(header), created)
    if not result.ok:
        return out
    image = header + result.rom
    try:
        atomic_write(rom_file, image)
        if symbols is not None:
            sym_path = Path(symbols[1])
            text = wla_symbols(result.labels, result.lines, rom_crc=zlib.crc32(image))
            atomic_write(sym_path, text.encode("utf-8"))
            out.symbols_path = sym_path
    except OSError as exc:
        out.ok = False
        out.diagnostics.append(Diagnostic("A004", Severity.ERROR, f"cannot write output: {exc.strerror}",
                                          SourceSpan(str(rom_file), 0, 0)))
    return out
