"""incsrc / incbin / readfile: finding files, and the rules that keep them contained.

Code written by a model gets assembled, so a file may only be read when its real
path (symlinks resolved) lies under the main source's folder or an ``-I``
folder, and only when it is a regular file (no devices, FIFOs, directories).
``allow_any_path`` lifts the containment rule, never the regular-file rule.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from triforce.asm.context import AsmError
from triforce.asm.lines import split_source
from triforce.diagnostics import SourceSpan

MAX_INCLUDE_BYTES = 16 * 1024 * 1024


def _roots(ctx) -> list[str]:
    roots = []
    if ctx.options.base_dir is not None:
        roots.append(os.path.realpath(ctx.options.base_dir))
    for d in ctx.options.include_dirs:
        roots.append(os.path.realpath(d))
    return roots


def _inside(path: str, roots: list[str]) -> bool:
    for root in roots:
        if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def _current_dir(ctx) -> Path | None:
    # the file holding the command: inside a macro, the file that defined the macro
    current = getattr(ctx.cur, "file", None) or ctx.current_file
    if current == ctx.options.filename:
        if ctx.options.base_dir is not None:
            return Path(ctx.options.base_dir)
        parent = Path(current).parent
        return parent if ctx.options.allow_any_path else None
    return Path(current).parent


def resolve(ctx, name: str) -> Path:
    """The file a name refers to, after the containment and regular-file checks."""
    name = name.strip()
    if not name:
        raise AsmError("A601", "empty file name")
    if "\x00" in name:
        raise AsmError("A602", "file name contains a NUL byte")
    raw = Path(name)
    candidates: list[Path] = []
    if raw.is_absolute():
        candidates.append(raw)
    else:
        here = _current_dir(ctx)
        if here is not None:
            candidates.append(here / raw)
        candidates.extend(Path(d) / raw for d in ctx.options.include_dirs)
        if ctx.options.base_dir is not None:
            candidates.append(Path(ctx.options.base_dir) / raw)
        if ctx.options.allow_any_path and not candidates:
            candidates.append(raw)
    roots = _roots(ctx)
    if not ctx.options.allow_any_path and not roots:
        raise AsmError("A602", f"{name!r}: file access needs a source folder or -I folder "
                       "(or --allow-any-path)")
    blocked = None
    for cand in candidates:
        real = os.path.realpath(cand)
        if not ctx.options.allow_any_path and not _inside(real, roots):
            blocked = cand
            continue
        try:
            info = os.stat(real)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            raise AsmError("A603", f"{name!r} is not a regular file")
        if info.st_size > MAX_INCLUDE_BYTES:
            raise AsmError("A606", f"{name!r} is larger than {MAX_INCLUDE_BYTES} bytes")
        return cand
    if blocked is not None:
        raise AsmError("A602", f"{name!r} is outside the source folder and -I folders "
                       "(use --allow-any-path to allow it)")
    raise AsmError("A601", f"file {name!r} not found")


def read_binary(ctx, name: str) -> bytes:
    path = resolve(ctx, name)
    key = os.path.realpath(path)
    data = ctx.binary_cache.get(key)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise AsmError("A607", f"cannot read {name!r}: {exc.strerror}") from None
        ctx.binary_cache[key] = data
    return data


def load_source(ctx, name: str):
    """Logical lines of an included source file (split once, reused every pass)."""
    path = resolve(ctx, name)
    # one key per file however it is spelled (`b/../b/t.asm`), for includeonce
    key = os.path.normpath(str(path))
    cached = ctx.file_cache.get(key)
    if cached is not None:
        return cached, key
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        raise AsmError("A607", f"cannot read {name!r}: {exc.strerror}") from None
    lines, errors = split_source(text, key)
    for err in errors:
        ctx.report(err.code, err.message, span=SourceSpan(key, err.line, 1), force=True)
    ctx.file_cache[key] = lines
    return lines, key
