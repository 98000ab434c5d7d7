"""Minimal reproductions of every way our assembler differed from asar in the audit.

    python tests/asar_suite/repros.py            # status of every repro
    python tests/asar_suite/repros.py C1 R4      # only these

Each repro is a short snippet of our own with what asar does (taken from the
expectations in asar's test suite, see docs/asar-audit.md); ``check`` runs it
through ``triforce.asm.assemble`` and says whether we now match. The ``C``
repros raised Python exceptions (critical); ``H`` ones run for minutes.
This is a work list, not a test: most entries are expected to differ until fixed.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Repro:
    key: str
    title: str
    source: str
    rom_at: dict[int, str] = field(default_factory=dict)  # ROM offset -> expected hex bytes
    error: bool | None = False        # True: asar errors; None: don't care
    warnings: int | None = 0          # how many warnings asar gives (None: don't care)
    prints: tuple[str, ...] | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # files beside the source
    options: dict = field(default_factory=dict)            # extra assemble() keywords
    timeout_s: int = 20


_BIN16 = bytes(range(1, 17))

REPROS: list[Repro] = [
    # --- critical: Python exceptions ---------------------------------------
    Repro("C1", "built-in function called with too few arguments",
          "org $008000\ndb snestopc()\n", error=True, warnings=None),
    Repro("C1b", "datasize()/sizeof()/objectsize()/bank()/not()/pctosnes() with no argument",
          "org $008000\ndb datasize()\n", error=True, warnings=None),
    Repro("C1c", "canreadfile() with one argument",
          'org $008000\ndb canreadfile("f.bin")\n', error=True, warnings=None,
          files={"f.bin": _BIN16}),
    Repro("C2", "print hex()/bin()/double() of a string",
          'print hex("a")\n', error=True, warnings=None),
    Repro("C3", "freespace block larger than any ROM",
          "org $008000\nfreecode\nskip $FFFFFFFF\n", error=True, warnings=None),
    Repro("C4", "** with a result beyond a double",
          "org $008000\ndb 10**1000\n", error=None, warnings=None),
    Repro("C5", "#= define holding an integer of more than 4300 digits",
          "org $008000\n!a #= 10\n" + "!a #= !a*!a\n" * 13, error=None, warnings=None),
    Repro("C6", "decimal literal longer than 4300 digits",
          "org $008000\ndb " + "9" * 5000 + "\n", error=None, warnings=None),
    Repro("C7", "double() with a negative precision",
          "print double(1, -1)\n", error=None, warnings=None),
    # --- hangs -----------------------------------------------------------------
    Repro("H1", "rep with a huge count keeps looping after the output limit/ROM end",
          "org $008000\nrep 100000000 : nop\n", error=None, warnings=None, timeout_s=10),
    # --- numbers and math -------------------------------------------------------
    Repro("R1", "0x is not a hex prefix in asar 1.9 (later versions accept it: 80 7F)",
          "org $008000\ndb 0x80\ndb ~0x80\n", error=True, warnings=None),
    Repro("R2", "fractional math in doubles under an `asar 1.9x` header (1.91 without one truncates)",
          "asar 1.90\norg $008000\n!m #= 0.01+0.01\n!m #= !m*100\ndb !m\ndb round(1.719247114, 2)*100\n"
          "db select(0.1, $AA, $BB)\n", rom_at={0: "02 AC AA"}),
    Repro("R3", "dec(value, width) pads with zeros", "print dec(123, 4)\n", prints=("0123",)),
    Repro("R4", "double(): 5 decimals by default, trailing zeros dropped (`asar 1.9x` header math)",
          "asar 1.90\nprint double(10.340173447601384), \" \", double(10.340173447601384, 10), \" \", "
          "double(0.1), \" \", double(-1.0)\n",
          prints=("10.34017 10.3401734476 0.1 -1",)),
    Repro("R5", "|| and && short-circuit (asar 2.0 test)",
          "assert 1 || (1/0)\nassert (0 && (1/0)) == 0\n"),
    Repro("R6", "stringlength()/char() (asar 2.0 test)",
          'assert stringlength("hello") == 5\nassert char("hello", 0) == \'h\'\n'),
    # --- blocks -------------------------------------------------------------------
    Repro("R7", "while closed by endif (old syntax still accepted)",
          "org $008000\n!i = 0\nwhile !i < 2\ndb !i\n!i #= !i+1\nendif\n", rom_at={0: "00 01"},
          warnings=None),
    # --- directives -------------------------------------------------------------
    Repro("R8", "warn bankcross off|on (older spelling of check bankcross)",
          "org $008000\nwarn bankcross off\nnop\nwarn bankcross on\n", rom_at={0: "EA"}),
    Repro("R9", "bankcross off: writing continues into the next bank",
          "lorom\norg $00FFFF\ncheck bankcross off\nA:\ndb $00\nB:\ndb $00\ndl A, B\n",
          rom_at={0x7FFF: "00 00 FF FF 00 00 80"}),  # B's bank byte: 81 or 01, by version
    Repro("R10", "checksum on forces the checksum even when the caller turned fixing off",
          "checksum on\nnorom\norg $0000\ndb $01\norg $FFFF\ndb $00\nlorom\n",
          rom_at={0x7FDC: "00 FE FF 01"}, options={"fix_rom_checksum": False}),
    Repro("R11", "incbin range: bare numbers are hex (8000 = $8000), (expr) as usual",
          'org $008000\nincbin "g.bin":10-12\nincbin "g.bin":($1E)-20\n',
          rom_at={0: "10 11 1E 1F"}, files={"g.bin": bytes(range(0x30))}),
    Repro("R12", "no warning for a patch without org (asar assumes $008000 silently)",
          "db $01\n", rom_at={0: "01"}),
    Repro("R12b", "no warning for a struct before the first org",
          "struct s $4000\n.a: skip 2\nendstruct\norg $008000\ndw s.a\n", rom_at={0: "00 40"}),
    Repro("R13", "no warning for @asar",
          "@asar 1.60\norg $008000\nnop\n", rom_at={0: "EA"}),
    Repro("R14", "includeonce: a nested include reaching the same file through b/../b/",
          'org $008000\nincsrc "a/t.asm"\n', rom_at={0: "03 04 05"},
          files={"a/b/t.asm": b"includeonce\ndb $04\n",
                 "a/t.asm": b'db $03\nincsrc "b/t.asm"\nincsrc "b/../b/t.asm"\ndb $05\n'}),
    Repro("R15", "incbin inside a macro resolves beside the file that defined the macro",
          'org $008000\nincsrc "sub/defs.asm"\n%m()\n', rom_at={0: "77"},
          files={"sub/defs.asm": b'macro m()\n\tincbin "blob.bin"\nendmacro\n', "sub/blob.bin": b"\x77"}),
    Repro("R16", "optimize address mirrors: $01:6000 is not a mirror of bank $00 (hirom)",
          "l2 = $016000\nhirom\norg $008000\noptimize address mirrors\nlda l2\n",
          rom_at={0x8000: "AF 00 60 01"}),
    Repro("R17", "datasize() of the last label warns twice (last label, size too big)",
          "org $008000\nlda #datasize(b)\na:\ndb 0\nb:\n", error=False, warnings=2),
    Repro("R18", "org on a forward label: one error, no follow-up 'label moved'",
          "org $008000\norg later\nnop\nlater:\n", error=True, warnings=None),
    Repro("R19", "fill/#=/if with a non-static label are errors (asar 1.9)",
          "org $008000\nLbl:\nfill Lbl\n", error=True, warnings=None),
    Repro("R19b", "label in an if condition is an error",
          "org $008000\nLbl:\nif Lbl == $008000\nendif\n", error=True, warnings=None),
    Repro("R19c", "label in #= define math is an error",
          "org $008000\nLbl:\n!d #= Lbl\n", error=True, warnings=None),
    Repro("R20", "warnpc beyond 24 bits is an error",
          "org $008000\nwarnpc $7FFFFFFF\n", error=True, warnings=None),
    Repro("R21", "warnings disable with an unknown id warns",
          "warnings disable Einvalid_warning_id\n", warnings=1),
    Repro("R22", "a second, different mapper command warns mapper_already_set (asar source "
          "and manual; some stored tests predate it)",
          "lorom\norg $008000\nhirom\n", warnings=1),
    Repro("R23", "fastrom is accepted as a no-op",
          "fastrom\norg $008000\nnop\n", rom_at={0: "EA"}),
    Repro("R33", "pullbase restoring a base is not a bank crossing",
          "lorom\norg $008000\nbase $029001\nA:\npushbase\nbase off\nB:\npullbase\nC:\nbase off\n"
          "dl A, B, C\n", rom_at={0: "01 90 02 00 80 00 01 90 02"}),
    Repro("R34", "a user function passes a string argument on to a built-in",
          'org $008000\nfunction f(name, pos) = readfile1(name, pos)+1\ndb f("g.bin", 1)\n',
          rom_at={0: "02"}, files={"g.bin": bytes(range(0x30))}),
    # --- macros --------------------------------------------------------------------
    Repro("R24", "nested macro reads an outer macro's parameter with <^name>",
          "org $008000\nmacro outer(a)\n\tmacro inner(b)\n\t\tdb <b>+<^a>\n\tendmacro\nendmacro\n"
          "%outer(1)\n%inner(2)\n", rom_at={0: "03"}),
    Repro("R25", "!^define outside any macro is an error",
          "org $008000\n!d = 5\ndb !^d\n", error=True, warnings=None),
    Repro("R26", "variadic argument picked by a define: <!a>",
          "org $008000\n!a = 0\nmacro m(...)\n\tdb <!a>\nendmacro\n%m(7)\n", rom_at={0: "07"},
          warnings=None),
    # --- structs -------------------------------------------------------------------
    Repro("R27", "objectsize()/array stride include the largest extension",
          "org $008000\nstruct s $0000\n.a: skip 2\nendstruct\nstruct t extends s\n.b: skip 3\n"
          "endstruct\nstruct u extends s\n.c: skip 5\nendstruct\ndb sizeof(s), objectsize(s)\n"
          "lda s[1].a\n", rom_at={0: "02 07 AD 07 00"}),
    Repro("R28", "struct placed at a forward label is an error",
          "org $008000\nstruct a later\nendstruct\nlater = $1234\n", error=True, warnings=None),
    Repro("R29", "a plain (non-dot) label inside a struct is an error",
          "org $008000\nstruct b $123\nskip 5\nlbl:\nendstruct\n", error=True, warnings=None),
    # --- other architectures ----------------------------------------------------
    Repro("R30", "arch spc700", "org $008000\narch spc700\nmov a,#$12\n", rom_at={0: "E8 12"}),
    Repro("R31", "arch superfx", "org $008000\narch superfx\nadc #1\n", rom_at={0: "3F 51"}),
    Repro("R32", "spcblock/endspcblock (nspc header)",
          "org $008000\nspcblock $5000\n\tstartpos start\nstart:\n\tjmp start\nendspcblock\n",
          rom_at={0: "03 00 00 50 5F 00 50 00 00 00 50"}),
]


class _Timeout(Exception):
    pass


def _on_alarm(_signum, _frame):
    raise _Timeout


def check(repro: Repro) -> tuple[bool, str]:
    """(matches asar, what we produced)."""
    from triforce.asm import assemble

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for name, data in repro.files.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(data)
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(repro.timeout_s)
        try:
            result = assemble(repro.source, filename=str(base / "main.asm"), base_dir=base,
                              **repro.options)
        except _Timeout:
            return False, f"still running after {repro.timeout_s}s"
        except Exception as exc:  # noqa: BLE001 - exactly what the C repros look for
            frame = [f for f in traceback.extract_tb(exc.__traceback__) if "triforce" in f.filename]
            where = f" at {frame[-1].filename.split('src/')[-1]}:{frame[-1].lineno}" if frame else ""
            return False, f"EXCEPTION {type(exc).__name__}: {str(exc)[:80]}{where}"
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    errors = [d.code for d in result.diagnostics if d.is_error]
    warnings = [d.code for d in result.diagnostics if d.severity.value == "warning"]
    problems = []
    if repro.error is not None and bool(errors) != repro.error:
        problems.append(f"errors {errors or 'none'}")
    if repro.warnings is not None and len(warnings) != repro.warnings:
        problems.append(f"warnings {warnings or 'none'}")
    if repro.prints is not None and tuple(result.prints) != repro.prints:
        problems.append(f"prints {result.prints}")
    if not errors:
        for offset, want in repro.rom_at.items():
            expected = bytes.fromhex(want)
            got = result.rom[offset:offset + len(expected)]
            if got != expected:
                problems.append(f"at 0x{offset:X}: {got.hex(' ').upper() or '(nothing)'}"
                                f" (asar: {want})")
    summary = "; ".join(problems) if problems else "matches"
    return not problems, summary


def main(argv: list[str]) -> int:
    wanted = {a.upper() for a in argv}
    matched = total = 0
    for repro in REPROS:
        if wanted and repro.key.upper() not in wanted:
            continue
        ok, what = check(repro)
        total += 1
        matched += ok
        print(f"{'ok  ' if ok else 'DIFF'} {repro.key:5s} {repro.title}\n       {what}")
    print(f"\n{matched}/{total} repros match asar")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    raise SystemExit(main(sys.argv[1:]))
