"""Static maps of a source file: routines, the call graph, RAM usage per
routine, and a documentation skeleton (Tingle's charts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from triforce.analysis.source import parse_operand, parse_source
from triforce.isa import OPCODES, Mode, by_mnemonic, effects, is_return
from triforce.isa.queries import transfers_control


def _leaves_routine(mnemonic: str) -> bool:
    """JSR/JSL/JMP/JML: a call or jump to an absolute or long address (not a branch)."""
    modes = by_mnemonic(mnemonic)
    return transfers_control(mnemonic) and Mode.REL8 not in modes and Mode.REL16 not in modes


@dataclass
class Routine:
    name: str
    line: int
    calls: list[str] = field(default_factory=list)     # in order, unique
    called_by: list[str] = field(default_factory=list)
    reads: list[int] = field(default_factory=list)     # absolute / direct addresses named as numbers
    writes: list[int] = field(default_factory=list)
    returns: list[str] = field(default_factory=list)   # "RTS", "RTL"
    comment: str = ""


@dataclass
class CodeMap:
    routines: dict[str, Routine]
    ram: dict[int, dict[str, list[str]]]              # addr -> {"read": [...], "write": [...]}

    def to_dict(self) -> dict:
        return {
            "routines": {n: {"line": r.line, "calls": r.calls, "called_by": r.called_by,
                             "reads": [f"${a:04X}" if a <= 0xFFFF else f"${a:06X}" for a in r.reads],
                             "writes": [f"${a:04X}" if a <= 0xFFFF else f"${a:06X}" for a in r.writes],
                             "returns": r.returns} for n, r in self.routines.items()},
            "ram": {(f"${a:04X}" if a <= 0xFFFF else f"${a:06X}"): use for a, use in sorted(self.ram.items())},
        }


def _access(mnemonic: str, operand) -> str:
    for code in by_mnemonic(mnemonic).values():
        op = OPCODES[code]
        if op.mode is Mode.ACC or op.mode in (Mode.IMM_M, Mode.IMM_X, Mode.IMM8):
            continue
        return op.access
    return ""


def map_code(source: str) -> CodeMap:
    statements = parse_source(source)
    lines = source.splitlines()
    routines: dict[str, Routine] = {}
    ram: dict[int, dict[str, list[str]]] = {}
    current: Routine | None = None
    defined = {}
    for number, raw in enumerate(lines, start=1):
        match = re.match(r"\s*([A-Za-z_]\w*):", raw)
        if match:
            defined.setdefault(match.group(1), (number, raw.split(";", 1)[1].strip() if ";" in raw else ""))
    for statement in statements:
        for label in statement.labels:
            if label[0] not in ".+-":
                line, comment = defined.get(label, (statement.line, ""))
                current = routines.setdefault(label, Routine(label, line, comment=comment))
        if not statement.is_instruction or current is None:
            continue
        operand = parse_operand(statement)
        if _leaves_routine(statement.mnemonic) and operand.kind == "addr" and not operand.indirect:
            target = operand.base
            if target not in current.calls:
                current.calls.append(target)
            continue
        if is_return(statement.mnemonic) and statement.mnemonic not in current.returns:
            current.returns.append(statement.mnemonic)
        if operand.kind != "addr" or operand.value is None \
                or effects(statement.mnemonic).flow in ("branch", "jump"):
            continue
        access = _access(statement.mnemonic, operand)
        addr = operand.value
        if access in ("r", "rmw") and addr not in current.reads:
            current.reads.append(addr)
        if access in ("w", "rmw") and addr not in current.writes:
            current.writes.append(addr)
        if access:
            use = ram.setdefault(addr, {"read": [], "write": []})
            for kind in (("read",) if access == "r" else ("write",) if access == "w" else ("read", "write")):
                if current.name not in use[kind]:
                    use[kind].append(current.name)
    for routine in routines.values():
        for target in routine.calls:
            if target in routines and routine.name not in routines[target].called_by:
                routines[target].called_by.append(routine.name)
    return CodeMap(routines, ram)


def call_graph_text(code_map: CodeMap) -> str:
    """An indented tree from the routines nobody in this file calls."""
    routines = code_map.routines
    roots = [r for r in routines.values() if not r.called_by] or list(routines.values())[:1]
    out: list[str] = []

    def walk(name: str, depth: int, seen: tuple[str, ...]):
        marker = " (recursive)" if name in seen else ("" if name in routines else " (external)")
        out.append("  " * depth + f"{name}{marker}")
        if name in seen or name not in routines or depth > 12:
            return
        for target in routines[name].calls:
            walk(target, depth + 1, seen + (name,))

    for root in roots:
        walk(root.name, 0, ())
    return "\n".join(out)


def mermaid(code_map: CodeMap) -> str:
    lines = ["graph TD"]
    for routine in code_map.routines.values():
        for target in routine.calls:
            lines.append(f"    {routine.name} --> {target}")
    return "\n".join(lines)


def doc_skeleton(source: str, code_map: CodeMap | None = None) -> str:
    code_map = code_map or map_code(source)
    parts = []
    for routine in code_map.routines.values():
        fmt = lambda addrs: ", ".join(f"${a:04X}" if a <= 0xFFFF else f"${a:06X}" for a in addrs) or "none"
        parts.append("\n".join([
            f"; ==== {routine.name} ====",
            f"; {routine.comment or 'TODO: what it does'}",
            "; In:       TODO (registers and widths on entry)",
            f"; Reads:    {fmt(routine.reads)}",
            f"; Writes:   {fmt(routine.writes)}",
            f"; Calls:    {', '.join(routine.calls) or 'none'}",
            f"; Called by: {', '.join(routine.called_by) or 'nothing in this file'}",
            f"; Returns:  {', '.join(routine.returns) or 'does not return (jumps or falls through)'}",
        ]))
    return "\n\n".join(parts)


__all__ = ["CodeMap", "Routine", "call_graph_text", "doc_skeleton", "map_code", "mermaid"]
