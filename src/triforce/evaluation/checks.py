"""Scoring one answer against one task's check (``bench/FORMAT.md``), by running it.

The program machinery — building the LoROM image, the call with a return STP,
the simulator, the expectation comparison, the equivalence checker — is the
analysis layer's (``triforce.analysis.machine``/``behaves``/``equivalence``);
this module applies FORMAT.md's rules on top: which block of an answer is the
program, its entry label, the cost limit, and the ``fact``/``value`` kinds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from triforce.evaluation.tasks import Task
from triforce.orchestrator.blocks import fenced_blocks

RANDOM_STATES = 200
_RATS = re.compile(r"^\s*(?:freecode|freedata)\b(?![^;\n]*\bnorats\b)", re.IGNORECASE | re.MULTILINE)
_BANKED = re.compile(r"\$([0-9A-Fa-f]{2}):([0-9A-Fa-f]{4})")
_HEX = re.compile(r"(?:\$|0[xX])([0-9A-Fa-f]+)")


@dataclass
class CheckResult:
    task_id: str
    expert: str
    kind: str
    passed: bool
    messages: list[str] = field(default_factory=list)
    cost: int | None = None          # equivalent: cycles or bytes, whichever the task ranks
    limit: int | None = None
    objective: str | None = None
    block: str | None = None         # the code that was run

    def to_dict(self) -> dict:
        return {"id": self.task_id, "expert": self.expert, "kind": self.kind,
                "passed": self.passed, "messages": self.messages[:5], "cost": self.cost,
                "limit": self.limit, "objective": self.objective}


# -- which code is run ------------------------------------------------------------------
def program_blocks(answer: str) -> list[str]:
    """The answer's fenced blocks, last to first, any tag but json."""
    return [b.code for b in reversed(fenced_blocks(answer)) if b.lang != "json" and b.code.strip()]


def select_program(task: Task, answer: str):
    """(block, Built) for the first block (from the end) that assembles and emits a byte."""
    from triforce.analysis.machine import build

    call = task.check.get("call") or "auto"
    for block in program_blocks(answer):
        built = build(block, context=task.context, context_org=task.context_org, org=task.org,
                      call=call)
        if built.ok:
            if task.label and task.label in built.labels:
                built.entry = int(built.labels[task.label])
            return block, built
    return None, None


# -- kinds ------------------------------------------------------------------------------
def check_behaves(task: Task, answer: str) -> CheckResult:
    from triforce.analysis.behaves import compare_expectations
    from triforce.analysis.machine import EntryState, Machine, canonical

    result = CheckResult(task.id, task.expert, "behaves", False)
    block, built = select_program(task, answer)
    if built is None:
        result.messages.append("no block assembles and emits code")
        return result
    result.block = block
    machine = Machine(built)
    for case in task.check.get("cases", []):
        name = case.get("name", "case")
        state = EntryState.from_dict(case.get("entry", {}))
        for addr, value in case.get("ram", []) or []:
            state.ram[canonical(int(addr))] = int(value) & 0xFF
        outcome = machine.run(state)
        if not outcome.finished:
            result.messages.append(f"{name}: did not finish ({outcome.reason})")
            continue
        writable = case.get("writable", task.check.get("writable"))
        bad = compare_expectations(outcome, state, case.get("expect", {}), writable)
        if outcome.s != state.s:
            bad.append(f"S is ${outcome.s:04X}, entry ${state.s:04X}")
        if getattr(outcome, "rom_writes", None):
            bad.append("wrote ROM")
        result.messages.extend(f"{name}: {m}" for m in bad)
    result.passed = not result.messages
    return result


def check_equivalent(task: Task, answer: str) -> CheckResult:
    from triforce.analysis.equivalence import check_equivalence

    check = task.check
    objective = check.get("objective", "cycles")
    result = CheckResult(task.id, task.expert, "equivalent", False, limit=check.get("limit"),
                         objective=objective)
    block, built = select_program(task, answer)
    if built is None:
        result.messages.append("no block assembles and emits code")
        return result
    result.block = block
    outcome = check_equivalence(
        check["original"], block, live_out=check.get("live_out"), states=RANDOM_STATES,
        entry_states=check.get("states") or (), vary=check.get("vary"),
        scratch=check.get("scratch") or (), context=task.context, context_org=task.context_org)
    if outcome.equivalent is not True:
        result.messages.append(outcome.summary())
        return result
    rats = 8 * len(_RATS.findall(block))
    result.cost = (outcome.after.bytes - rats) if objective == "bytes" else outcome.after.cycles
    limit = result.limit
    if result.cost is None or (limit is not None and result.cost > limit):
        result.messages.append(f"{objective} {result.cost} over the limit {limit}")
        return result
    result.passed = True
    return result


def check_fact(task: Task, answer: str) -> CheckResult:
    result = CheckResult(task.id, task.expert, "fact", False)
    accept = task.check.get("accept", [])
    if not any(re.search(p, answer) for p in accept):
        result.messages.append("no accepted statement found")
    for pattern in task.check.get("reject", []):
        if re.search(pattern, answer):
            result.messages.append(f"rejected statement: /{pattern}/")
    result.passed = not result.messages
    return result


def last_json_value(answer: str):
    """The last ```json block, or untagged block that parses as JSON; raises LookupError."""
    for block in reversed(fenced_blocks(answer)):
        if block.lang not in ("json", ""):
            continue
        try:
            return json.loads(block.code)
        except json.JSONDecodeError:
            if block.lang == "json":
                raise LookupError("the last json block does not parse") from None
    raise LookupError("no json block")


def _number(value):
    """``"$7E0010"``, ``"$7E:0010"`` and ``"0x10"`` as ints; anything else unchanged."""
    if isinstance(value, str):
        text = value.strip()
        banked = _BANKED.fullmatch(text)
        if banked:
            return int(banked.group(1) + banked.group(2), 16)
        plain = _HEX.fullmatch(text)
        if plain:
            return int(plain.group(1), 16)
    return value


def normalise_value(value, *, addresses: bool = False):
    """Numbers as ints (``"$7E0010"``, ``"$7E:0010"``, ``"0x10"``), sets unordered,
    and with ``addresses`` every number mapped to its canonical LoROM address."""
    if isinstance(value, dict):
        if set(value) == {"set"} and isinstance(value["set"], list):
            items = [normalise_value(v, addresses=addresses) for v in value["set"]]
            return ("set", sorted(json.dumps(i, sort_keys=True) for i in items))
        return {k: normalise_value(v, addresses=addresses) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_value(v, addresses=addresses) for v in value]
    value = _number(value)
    if addresses and isinstance(value, int) and not isinstance(value, bool):
        from triforce.analysis.machine import canonical

        return canonical(value)
    return value


def check_value(task: Task, answer: str) -> CheckResult:
    result = CheckResult(task.id, task.expert, "value", False)
    addresses = task.check.get("normalize") == "addr"
    try:
        given = last_json_value(answer)
    except LookupError as exc:
        result.messages.append(str(exc))
        return result
    expected = task.check.get("answer")
    if isinstance(expected, dict) and set(expected) == {"set"} and isinstance(given, list):
        given = {"set": given}
    if normalise_value(given, addresses=addresses) != normalise_value(expected, addresses=addresses):
        result.messages.append(f"answered {json.dumps(given)[:200]}")
        return result
    result.passed = True
    return result


CHECKS = {"equivalent": check_equivalent, "behaves": check_behaves, "fact": check_fact,
          "value": check_value}


def check_task(task: Task, answer: str) -> CheckResult:
    """Score ``answer``; a toolchain failure is a failed check with its message, never a raise."""
    try:
        return CHECKS[task.kind](task, answer or "")
    except Exception as exc:  # a crash in a tool must not stop a benchmark run
        return CheckResult(task.id, task.expert, task.kind, False,
                           [f"check crashed: {type(exc).__name__}: {exc}"])
