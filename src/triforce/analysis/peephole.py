"""Peephole rewrites proposed to the optimizer.

Each rule looks at the code as a list of :class:`Entry` (one instruction or
directive with the labels in front of it) and proposes rewritten lists. A
proposal is only a guess: the optimizer keeps it when the equivalence checker
proves it on the caller's live-out set, so rules may be optimistic (removing
a CLC that might matter, say) without ever producing wrong code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from triforce.analysis.source import (
    parse_number,
    parse_operand,
    parse_source,
    strip_comment,
)
from triforce.isa import BRANCHES, Mode, branch_condition, find
from triforce.isa.queries import (
    branch_on,
    compared_register,
    jump_for_call,
    register_writes,
    return_for_call,
    sets_widths_from_operand,
    transfers_control,
    writes_memory,
)

# Addressing modes a plain store operand may be in, by (index, operand bytes).
_STORE_MODES = {("", 1): (Mode.DP,), ("", 2): (Mode.ABS,), ("", None): (Mode.DP, Mode.ABS),
                ("x", 1): (Mode.DP_X,), ("x", 2): (Mode.ABS_X,), ("x", None): (Mode.DP_X, Mode.ABS_X)}


@dataclass(frozen=True)
class Entry:
    labels: tuple[str, ...]
    text: str                  # the statement, e.g. "LDA #$00"
    mnemonic: str = ""
    operand: str = ""
    comment: str = ""

    def render(self) -> list[str]:
        out = [label if label[0] in ".+-" else f"{label}:" for label in self.labels]
        if self.text:
            line = f"    {self.text}"
            if self.comment:
                line = f"{line:<24}; {self.comment}"
            out.append(line)
        return out


@dataclass(frozen=True)
class Proposal:
    rule: str
    description: str
    entries: tuple[Entry, ...]


def to_entries(source: str) -> list[Entry]:
    lines = source.splitlines()
    entries = []
    for statement in parse_source(source):
        raw = lines[statement.line - 1] if 0 < statement.line <= len(lines) else ""
        comment = raw[len(strip_comment(raw)) + 1:].strip() if ";" in raw else ""
        text = statement.text.strip()
        entries.append(Entry(statement.labels, text, statement.mnemonic, statement.operand,
                             comment if text else ""))
    return entries


def render(entries) -> str:
    out: list[str] = []
    for entry in entries:
        out.extend(entry.render())
    return "\n".join(out) + "\n"


def _make(mnemonic: str, operand: str = "", labels=(), comment: str = "") -> Entry:
    text = f"{mnemonic} {operand}".strip()
    return Entry(tuple(labels), text, mnemonic, operand, comment)


def _remove(entries: list[Entry], index: int) -> list[Entry]:
    """Drop entry ``index``, moving its labels onto what follows."""
    out = list(entries)
    gone = out.pop(index)
    if gone.labels:
        if index < len(out):
            out[index] = replace(out[index], labels=gone.labels + out[index].labels)
        else:
            out.append(Entry(gone.labels, ""))
    return out


def _is_zero_immediate(entry: Entry) -> bool:
    if not entry.operand.startswith("#"):
        return False
    number = parse_number(entry.operand[1:].strip())
    return number is not None and number[0] == 0


def _stz_operand(entry: Entry) -> bool:
    if entry.mnemonic != "STA":
        return False
    statement = parse_source(entry.text)[0]
    operand = parse_operand(statement)
    modes = _STORE_MODES.get((operand.index, operand.size))
    if operand.kind != "addr" or operand.indirect or modes is None:
        return False
    return all(find("STZ", mode) is not None for mode in modes) and statement.suffix in ("", ".b", ".w")


def propose(entries: list[Entry]) -> Iterator[Proposal]:
    """Every rewrite every rule can see, one change at a time."""
    for rule in (_increment_chain, _carry_into_increment, _count_down, _bit_test, _stz, _drop_compare_zero, _drop_single, _tail_call, _inc_dec_memory,
                 _tsb_trb, _redundant_load, _long_to_absolute, _multiply_loop,
                 _hoist_constant_load, _mode_pair):
        yield from rule(entries)


def _stz(entries):
    for i, entry in enumerate(entries):
        if entry.mnemonic == "LDA" and _is_zero_immediate(entry):
            j = i + 1
            stores = []
            while j < len(entries) and _stz_operand(entries[j]) and not entries[j].labels:
                stores.append(j)
                j += 1
            if not stores:
                continue
            out = list(entries)
            for k in stores:
                out[k] = replace(out[k], text=f"STZ {out[k].operand}", mnemonic="STZ")
            yield Proposal("stz", "LDA #0 + STA -> STZ", tuple(_remove(out, i)))


def _drop_compare_zero(entries):
    for i, entry in enumerate(entries):
        if compared_register(entry.mnemonic) and _is_zero_immediate(entry):
            yield Proposal("cmp0", f"drop {entry.text}: the load before it already set N and Z",
                           tuple(_remove(entries, i)))


def _drop_single(entries):
    """Flag and mode instructions that may be redundant (the checker decides).

    A policy, not an instruction fact: SEI/CLI/SED are never proposed, since
    interrupts and decimal mode matter beyond what the checker compares."""
    for i, entry in enumerate(entries):
        if entry.mnemonic in ("CLC", "SEC", "CLD", "CLV", "REP", "SEP", "NOP"):
            yield Proposal("redundant", f"drop {entry.text}", tuple(_remove(entries, i)))
        if entry.mnemonic == "BRA" and i + 1 < len(entries) and entry.operand in entries[i + 1].labels:
            yield Proposal("branch-next", "drop a BRA to the next line", tuple(_remove(entries, i)))


def _mode_pair(entries):
    for i in range(len(entries) - 1):
        a, b = entries[i], entries[i + 1]
        if {sets_widths_from_operand(a.mnemonic), sets_widths_from_operand(b.mnemonic)} == {0, 1} \
                and not b.labels and \
                a.operand.replace(" ", "") == b.operand.replace(" ", ""):
            yield Proposal("mode-pair", f"drop {a.text} : {b.text} (cancel out)",
                           tuple(_remove(_remove(entries, i + 1), i)))


def _tail_call(entries):
    for i in range(len(entries) - 1):
        a, b = entries[i], entries[i + 1]
        jump = jump_for_call(a.mnemonic)
        if jump and b.mnemonic == return_for_call(a.mnemonic) and not b.labels \
                and not a.operand.startswith("("):
            out = list(entries)
            out[i] = replace(a, text=f"{jump} {a.operand}", mnemonic=jump,
                             comment="tail call: its return goes to our caller")
            yield Proposal("tail-call", f"{a.mnemonic} + {b.mnemonic} -> {jump}", tuple(_remove(out, i + 1)))
    for i, entry in enumerate(entries):
        if entry.mnemonic == "JMP" and not entry.operand.startswith("(") and parse_number(entry.operand) is None:
            out = list(entries)
            out[i] = replace(entry, text=f"BRA {entry.operand}", mnemonic="BRA")
            yield Proposal("short-jump", "JMP -> BRA (in range)", tuple(out))


def _window(entries, i, n):
    return entries[i:i + n] if i + n <= len(entries) and not any(e.labels for e in entries[i + 1:i + n]) else None


def _inc_dec_memory(entries):
    for i in range(len(entries)):
        w = _window(entries, i, 4)
        if not w:
            continue
        load, flag, op, store = w
        if load.mnemonic != "LDA" or store.mnemonic != "STA" or load.operand != store.operand \
                or load.operand.startswith("#") or "(" in load.operand or "[" in load.operand:
            continue
        number = parse_number(op.operand[1:]) if op.operand.startswith("#") else None
        if not number or number[0] != 1:
            continue
        if (flag.mnemonic, op.mnemonic) == ("CLC", "ADC"):
            new = "INC"
        elif (flag.mnemonic, op.mnemonic) == ("SEC", "SBC"):
            new = "DEC"
        else:
            continue
        out = entries[:i] + [_make(new, load.operand, load.labels)] + entries[i + 4:]
        yield Proposal("inc-dec", f"LDA/{flag.mnemonic}/{op.mnemonic} #1/STA -> {new}", tuple(out))


def _tsb_trb(entries):
    for i in range(len(entries)):
        w = _window(entries, i, 3)
        if not w:
            continue
        load, op, store = w
        if load.mnemonic != "LDA" or store.mnemonic != "STA" or load.operand != store.operand \
                or load.operand.startswith("#") or "," in load.operand or "(" in load.operand:
            continue
        number = parse_number(op.operand[1:]) if op.operand.startswith("#") else None
        if number is None:
            continue
        value, size = number
        if op.mnemonic == "ORA":
            mask, new = value, "TSB"
        elif op.mnemonic == "AND":
            mask, new = (~value) & (0xFF if size == 1 else 0xFFFF), "TRB"
        else:
            continue
        digits = 2 if size == 1 else 4
        out = entries[:i] + [_make("LDA", f"#${mask:0{digits}X}", load.labels),
                             _make(new, load.operand)] + entries[i + 3:]
        yield Proposal("tsb-trb", f"LDA/{op.mnemonic}/STA -> {new}", tuple(out))


def _redundant_load(entries):
    """A second ``LDA #k`` with only stores since the first is a no-op."""
    for i, entry in enumerate(entries):
        if entry.mnemonic != "LDA" or not entry.operand.startswith("#") or entry.labels:
            continue
        for j in range(i - 1, -1, -1):
            previous = entries[j]
            if previous.mnemonic == "LDA":
                if previous.operand == entry.operand:
                    yield Proposal("reload", f"drop the repeated {entry.text}", tuple(_remove(entries, i)))
                break
            leaves_a = "A" not in register_writes(previous.mnemonic, accumulator=previous.operand in ("", "A"))
            if not (writes_memory(previous.mnemonic) and leaves_a) or previous.labels and j != i - 1:
                break
            if previous.labels:
                break


def _long_to_absolute(entries):
    """``$7E0B40,x`` -> ``$0B40,x``: low WRAM is mirrored in banks $00-$3F."""
    for i, entry in enumerate(entries):
        if not entry.mnemonic or transfers_control(entry.mnemonic):
            continue
        operand = entry.operand
        head, sep, index = operand.partition(",")
        number = parse_number(head.strip())
        if not number or number[1] != 3 or index.strip().lower() not in ("", "x"):
            continue
        value = number[0]
        if (value >> 16) in (0x7E,) and (value & 0xFFFF) < 0x2000 or (value >> 16) in (0x00, 0x80):
            short = f"${value & 0xFFFF:04X}" + (sep + index if sep else "")
            out = list(entries)
            out[i] = replace(entry, text=f"{entry.mnemonic} {short}", operand=short)
            yield Proposal("long-to-abs", f"{entry.text} -> {entry.mnemonic} {short} (mirror, DB in $00-$3F)", tuple(out))


def _multiply_loop(entries):
    """``STA t / LDA #0 / LDX #n / - CLC / ADC t / DEX / BNE -`` computes A*n: use shifts."""
    for i in range(len(entries) - 6):
        store, zero, count, clc, adc, dec, bne = entries[i:i + 7]
        if store.mnemonic != "STA" or zero.mnemonic != "LDA" or not _is_zero_immediate(zero):
            continue
        if count.mnemonic not in ("LDX", "LDY") or clc.mnemonic != "CLC" or adc.mnemonic != "ADC":
            continue
        if adc.operand != store.operand or dec.mnemonic != f"DE{count.mnemonic[2]}" or bne.mnemonic != "BNE":
            continue
        if not clc.labels or bne.operand not in clc.labels:
            continue
        number = parse_number(count.operand[1:]) if count.operand.startswith("#") else None
        if not number or not 2 <= number[0] <= 255:
            continue
        n, t = number[0], store.operand
        head, rest = entries[:i], entries[i + 7:]
        reset = [_make(count.mnemonic, "#$00", (), "the loop left the counter at 0")]
        # Binary method: t = a; for each bit after the leading one: A*2 (+ t).
        binary = [_make("STA", t, store.labels)]
        for bit in bin(n)[3:]:
            binary.append(_make("ASL", "A"))
            if bit == "1":
                binary += [_make("CLC"), _make("ADC", t)]
        yield Proposal("mul-shift", f"multiply-by-{n} loop -> shifts and adds", tuple(head + binary + rest))
        yield Proposal("mul-shift", f"multiply-by-{n} loop -> shifts and adds (counter kept)",
                       tuple(head + binary + reset + rest))
        # Two set bits, n = 2^p + 2^q: A<<q kept in t, shifted on by p-q, then added (x10 = x8 + x2).
        if bin(n).count("1") == 2:
            q = (n & -n).bit_length() - 1
            p = n.bit_length() - 1
            split = [_make("ASL", "A") for _ in range(q)]
            split = [replace(split[0], labels=store.labels)] + split[1:] if split else []
            split += [_make("STA", t, () if q else store.labels)]
            split += [_make("ASL", "A") for _ in range(p - q)]
            split += [_make("CLC"), _make("ADC", t)]
            yield Proposal("mul-shift", f"multiply-by-{n} loop -> A*2^{q} kept, shifted, added",
                           tuple(head + split + rest))
            yield Proposal("mul-shift", f"multiply-by-{n} loop -> A*2^{q} kept, shifted, added (counter kept)",
                           tuple(head + split + reset + rest))


def _hoist_constant_load(entries):
    """A constant ``LDA #k`` inside a loop whose other instructions leave A alone: load it once."""
    for i, entry in enumerate(entries):
        if entry.mnemonic != "LDA" or not entry.operand.startswith("#"):
            continue
        start = next((k for k in range(i, -1, -1) if entries[k].labels), None)
        if start is None:
            continue
        label = next((l for l in entries[start].labels if l[0] in ".+-"), None)
        if label is None:
            continue
        end = next((k for k in range(i, len(entries))
                    if entries[k].mnemonic in BRANCHES
                    and entries[k].operand == label), None)
        if end is None or any(e.labels for e in entries[start + 1:end + 1] if e is not entry):
            continue
        loop = entries[start:end + 1]
        changes_a = [e for e in loop
                     if "A" in register_writes(e.mnemonic, accumulator=e.operand in ("", "A"))]
        if len(changes_a) != 1:
            continue
        moved = _remove(entries, i)
        head_labels = tuple(l for l in moved[start].labels if l != label)
        out = moved[:start] + [_make("LDA", entry.operand, head_labels, "loaded once, outside the loop")] + \
            [replace(moved[start], labels=(label,))] + moved[start + 1:]
        yield Proposal("hoist", f"load {entry.operand} once before the loop", tuple(out))


def _increment_chain(entries):
    """``LDA a / CLC / ADC #1 / STA a`` then ``LDA b / ADC #0 / STA b``...: a multi-byte
    counter; INC the low byte and carry into the next only when it wrapped to zero."""
    for i in range(len(entries)):
        w = _window(entries, i, 4)
        if not w:
            continue
        load, clc, adc, store = w
        if (load.mnemonic, clc.mnemonic, adc.mnemonic, store.mnemonic) != ("LDA", "CLC", "ADC", "STA") \
                or load.operand != store.operand or load.operand.startswith("#"):
            continue
        number = parse_number(adc.operand[1:]) if adc.operand.startswith("#") else None
        if not number or number[0] != 1:
            continue
        targets = [load.operand]
        j = i + 4
        while j + 3 <= len(entries) and not any(e.labels for e in entries[j:j + 3]):
            a, b, c = entries[j:j + 3]
            carry = parse_number(b.operand[1:]) if b.operand.startswith("#") else None
            if (a.mnemonic, b.mnemonic, c.mnemonic) != ("LDA", "ADC", "STA") or a.operand != c.operand \
                    or not carry or carry[0] != 0:
                break
            targets.append(a.operand)
            j += 3
        if len(targets) < 2:
            continue
        done = "+"   # an anonymous label: works with or without a parent label
        body = []
        for k, target in enumerate(targets):
            body.append(_make("INC", target, load.labels if k == 0 else ()))
            if k < len(targets) - 1:
                body.append(_make("BNE", done, (), "no wrap: the bytes above stay"))
        rest = list(entries[j:])
        if rest:
            rest[0] = replace(rest[0], labels=(done,) + rest[0].labels)
        else:
            rest = [Entry((done,), "")]
        yield Proposal("inc-chain", f"{len(targets)}-byte add of 1 -> INC with carry branches",
                       tuple(entries[:i] + body + rest))


def _carry_into_increment(entries):
    """``LDA b / ADC #0 / STA b`` adds only the carry: ``BCC + / INC b / +`` skips it
    in the common no-carry case."""
    for i in range(len(entries)):
        w = _window(entries, i, 3)
        if not w:
            continue
        load, adc, store = w
        if (load.mnemonic, adc.mnemonic, store.mnemonic) != ("LDA", "ADC", "STA") \
                or load.operand != store.operand or load.operand.startswith("#"):
            continue
        number = parse_number(adc.operand[1:]) if adc.operand.startswith("#") else None
        if not number or number[0] != 0:
            continue
        rest = list(entries[i + 3:])
        if rest:
            rest[0] = replace(rest[0], labels=("+",) + rest[0].labels)
        else:
            rest = [Entry(("+",), "")]
        body = [_make("BCC", "+", load.labels, "no carry: nothing to add"), _make("INC", load.operand)]
        yield Proposal("carry-inc", f"LDA/ADC #0/STA {load.operand} -> BCC over an INC", tuple(entries[:i] + body + rest))


def _count_down(entries):
    """``LDX #0 / L: ... / INX / CPX #n / BNE L`` -> ``LDX #n-1 / L: ... / DEX / BPL L``:
    no compare per pass, when the passes do not depend on their order."""
    for k in range(2, len(entries)):
        inc, cmp, bne = entries[k - 2:k + 1] if k + 1 <= len(entries) else (None, None, None)
        if not inc or inc.mnemonic not in ("INX", "INY") or bne.mnemonic != "BNE" or cmp.labels or bne.labels:
            continue
        register = inc.mnemonic[2]
        if cmp.mnemonic != f"CP{register}" or not cmp.operand.startswith("#"):
            continue
        count = parse_number(cmp.operand[1:])
        if not count or not 1 <= count[0] <= 0x80:
            continue
        head = next((i for i in range(k - 2, -1, -1) if bne.operand in entries[i].labels), None)
        if head is None or head == 0:
            continue
        start = head - 1
        load = entries[start]
        if load.mnemonic != f"LD{register}" or not _is_zero_immediate(load):
            continue
        out = list(entries)
        out[start] = replace(load, text=f"LD{register} #${count[0] - 1:02X}", operand=f"#${count[0] - 1:02X}",
                             comment="count down: BPL ends the loop, no compare")
        out[k - 2:k + 1] = [_make(f"DE{register}", "", inc.labels), _make("BPL", bne.operand)]
        yield Proposal("count-down", f"count {register} down to 0 and end on BPL (no CP{register})", tuple(out))


def _bit_test(entries):
    """Testing bit 7 or 6 of memory with LDA/AND(/CMP) and a branch: BIT puts those
    bits in N and V without touching A."""
    bit_flags = {0x80: "N", 0x40: "V"}     # where BIT copies memory bits 7 and 6
    for i in range(len(entries)):
        for with_compare in (True, False):
            size = 4 if with_compare else 3
            w = _window(entries, i, size)
            if not w:
                continue
            load, mask = w[0], w[1]
            compare, branch = (w[2], w[3]) if with_compare else (None, w[2])
            if load.mnemonic != "LDA" or load.operand.startswith("#") or "," in load.operand or "(" in load.operand:
                continue
            number = parse_number(mask.operand[1:]) if mask.mnemonic == "AND" and mask.operand.startswith("#") else None
            if not number or number[0] not in (0x80, 0x40):
                continue
            if with_compare:
                value = parse_number(compare.operand[1:]) if compare.mnemonic == "CMP" and compare.operand.startswith("#") else None
                if not value or value[0] != number[0]:
                    continue
            if branch_condition(branch.mnemonic) not in (("Z", 0), ("Z", 1)):
                continue
            # AND #bit: Z=0 when the bit is set; AND+CMP #bit: Z=1 when it is.
            taken_when_zero_clear = branch_condition(branch.mnemonic) == ("Z", 0)
            taken_when_set = taken_when_zero_clear != with_compare
            new_branch = branch_on(bit_flags[number[0]], 1 if taken_when_set else 0)
            body = [_make("BIT", load.operand, load.labels, f"bit {7 if number[0] == 0x80 else 6} -> "
                          f"{bit_flags[number[0]]}"), _make(new_branch, branch.operand)]
            yield Proposal("bit-test", f"LDA/AND #${number[0]:02X}{'/CMP' if with_compare else ''}/{branch.mnemonic} "
                           f"-> BIT/{new_branch}", tuple(entries[:i] + body + entries[i + size:]))
