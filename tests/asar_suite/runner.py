"""Runs asar-format test files (RPGHacker/asar ``tests/*.asm``) against Triforce.

Header format, as asar's own runners read it:

* ``;``` lines (newer runner, anywhere in the file): space-separated words —
  ``+`` (start from the 512 KiB base ROM: a commercial game, so such cases are
  skipped unless one is supplied), ``skip``, ``#N`` (patch N times),
  ``errE<name>`` / ``warnW<name>`` (one expected error/warning each, in order),
  a 5- or 6-digit hex word (move the write cursor to that ROM offset) and a
  2-digit hex word (expected byte at the cursor, which then advances).
  ``;P>text`` is an expected ``print``; ``;E>``/``;W>`` (message texts) are not
  checked by asar's runner either.
* ``;@`` lines (older runner, only the leading block): the same byte/offset/``+``/
  ``#N`` words, and ``err`` meaning "must fail"; errors are checked by presence.
  (asar 1.9-era ``;``` files also use a bare ``err`` that way.)

The expected ROM starts empty and is as long as the furthest offset named; the
output ROM must match it exactly (asar's runner skips the ROM check when the
patch produced errors). Our error codes are not asar's names, so an expected
error list matches when it has as many entries as our error diagnostics (the
strict check; for asar 1.9-era files with numeric codes such as ``E5158`` the
number of *distinct* codes, since that runner compared sets) — ``CaseResult.lenient_pass`` only asks that both sides agree on
whether there were errors at all.
"""

from __future__ import annotations

import signal
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

# What asar's command-line runner passed with -D (the newer library runner
# passes the same three names); tests that look at them expect these values.
HARNESS_DEFINES = {"cmddefined": "", "cmddefined2": "", "cmddefined3": " $10,$F0,$E0 "}
BASE_ROM_SIZE = 512 * 1024


class HeaderError(ValueError):
    """A header word the asar runner would reject (it throws on these too)."""


@dataclass
class Expectation:
    rom: bytearray = field(default_factory=bytearray)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    prints: list[str] = field(default_factory=list)
    iterations: int = 1
    needs_base_rom: bool = False
    skip: bool = False
    old_format: bool = False
    must_fail: bool = False  # old format's bare ``err``

    @property
    def expects_errors(self) -> bool:
        return bool(self.errors) or self.must_fail


def _put_byte(rom: bytearray, pos: int, value: int) -> None:
    if pos >= len(rom):
        rom.extend(bytes(pos + 1 - len(rom)))
    rom[pos] = value


def parse_header(text: str, base_rom: bytes | None = None) -> Expectation:
    """Read the expectations out of an asar test file's text."""
    text = text.removeprefix("\ufeff")
    exp = Expectation()
    pos = 0
    in_leading_block = True
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if line.startswith(";`"):
            words = line[2:]
        elif line.startswith(";@") and in_leading_block:
            words = line[2:]
            exp.old_format = True
        else:
            in_leading_block = False
            if line.startswith(";P>"):
                exp.prints.append(line[3:])
            continue
        for word in words.split(" "):
            if not word:
                continue
            if word == "+":
                exp.needs_base_rom = True
                if base_rom is not None:
                    exp.rom = bytearray(base_rom)
            elif word == "skip":
                exp.skip = True
            elif word.startswith("#"):
                exp.iterations = int(word[1:], 10)
            elif word.startswith("errE"):
                exp.errors.append(word[3:])
            elif word.startswith("warnW"):
                exp.warnings.append(word[4:])
            elif word == "err":
                exp.must_fail = True
            else:
                try:
                    num = int(word, 16)
                except ValueError:
                    raise HeaderError(f"unexpected header word {word!r}") from None
                if len(word) == 2:
                    _put_byte(exp.rom, pos, num)
                    pos += 1
                elif len(word) in (5, 6):
                    pos = num
                    if pos > len(exp.rom):
                        exp.rom.extend(bytes(pos - len(exp.rom)))
                else:
                    raise HeaderError(f"unexpected header word {word!r}")
    return exp


@dataclass
class CaseResult:
    name: str
    status: str  # "pass", "fail", "skip", "crash"
    reasons: list[str] = field(default_factory=list)
    lenient_pass: bool = False
    expected_errors: list[str] = field(default_factory=list)
    our_errors: list[str] = field(default_factory=list)
    our_warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "pass"


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout


def _first_mismatches(expected: bytes, actual: bytes, limit: int = 3) -> list[str]:
    out = []
    i = 0
    n = min(len(expected), len(actual))
    while i < n and len(out) < limit:
        if expected[i] != actual[i]:
            j = i
            while j < n and j - i < 16 and expected[j] != actual[j]:
                j += 1
            out.append(f"ROM mismatch at 0x{i:X}: expected {expected[i:j].hex(' ').upper()}, "
                       f"got {actual[i:j].hex(' ').upper()}")
            i = j
        else:
            i += 1
    return out


def _strip_old_header(text: str) -> str:
    """The older runner assembled a copy without the leading ``;@`` block (asar
    itself runs ``;@`` lines as commands); blank them so line numbers stay."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.lstrip("\ufeff").startswith(";@"):
            break
        lines[i] = ""
    return "\n".join(lines)


def _same_count(expected: list[str], ours: list[str]) -> bool:
    """asar 1.9's runner (numeric codes like ``E5158``) compared the *sets* of
    codes thrown; the newer one (names) compares the ordered lists."""
    if expected and all(e[1:].isdigit() for e in expected):
        return len(set(expected)) == len({o.split("@")[0] for o in ours})
    return len(expected) == len(ours)


def run_case(path: Path, *, base_rom: bytes | None = None, timeout_s: int = 30) -> CaseResult:
    """Assemble one asar test file the way asar's runner patches it and compare."""
    from triforce.asm import assemble

    path = Path(path)
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8", "replace")
        exp = parse_header(text, base_rom)
    except (OSError, HeaderError) as exc:
        return CaseResult(name, "skip", [f"unreadable test header: {exc}"])
    if exp.skip:
        return CaseResult(name, "skip", ["marked skip in its header"])
    if exp.needs_base_rom and base_rom is None:
        return CaseResult(name, "skip", ["needs the commercial base ROM (header '+')"])

    rom = bytes(base_rom) if exp.needs_base_rom else b""
    if exp.old_format:
        text = _strip_old_header(text)
    errors: list[str] = []
    warnings: list[str] = []
    prints: list[str] = []
    # SIGALRM only works on the main thread; elsewhere run without a time limit
    if threading.current_thread() is not threading.main_thread():
        timeout_s = 0
    old_handler = signal.signal(signal.SIGALRM, _alarm) if timeout_s else None
    try:
        if timeout_s:
            signal.alarm(timeout_s)
        for _ in range(max(exp.iterations, 1)):
            result = assemble(text, filename=str(path), rom=rom, base_dir=path.parent,
                              include_dirs=(path.parent,), defines=dict(HARNESS_DEFINES),
                              fix_rom_checksum=False)
            errors += [f"{d.code}@{d.span.line}" for d in result.diagnostics if d.is_error]
            warnings += [f"{d.code}@{d.span.line}" for d in result.diagnostics
                         if d.severity.value == "warning"]
            prints += list(result.prints)
            if result.ok:
                rom = result.rom
    except _Timeout:
        return CaseResult(name, "crash", [f"assembler did not finish within {timeout_s}s"])
    except Exception:  # noqa: BLE001 - a traceback is exactly what this audit must surface
        return CaseResult(name, "crash", ["Python exception:\n" + traceback.format_exc()])
    finally:
        if timeout_s:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old_handler)

    reasons: list[str] = []
    if exp.old_format or (exp.must_fail and not exp.errors):
        if exp.must_fail != bool(errors):
            reasons.append(f"expected {'an' if exp.must_fail else 'no'} error, got {errors or 'none'}")
    else:
        if not _same_count(exp.errors, errors):
            reasons.append(f"expected errors {exp.errors or '[]'}, got {errors or '[]'}")
        if not _same_count(exp.warnings, warnings):
            reasons.append(f"expected warnings {exp.warnings or '[]'}, got {warnings or '[]'}")
        if prints != exp.prints:
            reasons.append(f"expected prints {exp.prints!r}, got {prints!r}")
    lenient = exp.expects_errors == bool(errors)
    if not errors:
        expected = bytes(exp.rom)
        if rom != expected:
            if len(rom) != len(expected):
                reasons.append(f"ROM size: expected 0x{len(expected):X}, got 0x{len(rom):X}")
            reasons += _first_mismatches(expected, rom)
            lenient = False
    if not exp.old_format and prints != exp.prints:
        lenient = False
    return CaseResult(name, "fail" if reasons else "pass", reasons, lenient or not reasons,
                      exp.errors, errors, warnings)


def find_cases(folder: Path) -> list[Path]:
    """The test files asar's runner would pick: ``*.asm`` directly in the folder."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix == ".asm")


def run_folder(folder: Path, *, base_rom: bytes | None = None) -> list[CaseResult]:
    return [run_case(p, base_rom=base_rom) for p in find_cases(folder)]


def summarize(results: list[CaseResult]) -> dict:
    counted = [r for r in results if r.status != "skip"]
    passed = sum(r.passed for r in counted)
    lenient = sum(r.lenient_pass and r.status != "crash" for r in counted)
    return {
        "total": len(counted),
        "passed": passed,
        "lenient_passed": lenient,
        "crashed": sum(r.status == "crash" for r in counted),
        "skipped": len(results) - len(counted),
        "rate": passed / len(counted) if counted else 0.0,
    }
