"""The ``toolkit`` backend: answers with no model at all.

Each expert's deterministic toolkit (see DESIGN.md) reads the user's last
message, pulls out the code in it (fenced blocks, or bare asm lines) and
answers as far as the toolchain reaches: Din optimizes with proven rewrites,
Nayru finds a verified library routine, Farore lints and runs the code, Veran
disassembles and explains register accesses, Ganon audits, Zelda plans banks,
Link checks patch overlaps, Impa inserts a verified bounds check, Tingle maps
calls and RAM. Every answer says first that no model answered.

It never raises on any input: each tool runs under a guard, and an input too
large to analyse is cut down and the answer says so.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

from triforce.backends.base import BackendHealth, ChatChunk, ChatRequest

HEADER = "Answered by the Triforce toolkit (no model configured)."
MAX_QUERY_CHARS = 200_000
MAX_CODE_CHARS = 12_000
MAX_BLOCKS = 4
OPTIMIZE_MAX_INSTRUCTIONS = 80
EXPERT_TOOLS = {
    "din": "optimizer (every rewrite proven equivalent in the simulator)",
    "nayru": "library of verified routines",
    "farore": "linter and simulator run",
    "veran": "disassembler, SNES register reference and routine signature",
    "ganon": "audit for unchecked indexes, RAM jump tables and stack faults",
    "zelda": "bank and freespace planner",
    "link": "patch overlap and cross-bank call checks",
    "impa": "bounds check inserted and verified",
    "tingle": "call graph, RAM map and documentation skeleton",
}


class ToolkitBackend:
    name = "toolkit"

    def __init__(self, chunk_size: int = 400, **_options):
        self.chunk_size = max(1, int(chunk_size))
        self.closed = False

    # -- Backend protocol ---------------------------------------------------
    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        expert = str((getattr(request, "options", None) or {}).get("expert") or "fallback").lower()
        text = answer(expert, _last_user_message(request))
        for i in range(0, len(text), self.chunk_size):
            yield ChatChunk(text=text[i:i + self.chunk_size], model="toolkit", adapter=None)
        yield ChatChunk(done=True, prompt_tokens=0, completion_tokens=len(text.split()), model="toolkit",
                        adapter=None)

    def list_models(self) -> list[str]:
        return ["toolkit"]

    def health(self) -> BackendHealth:
        return BackendHealth(ok=not self.closed, detail="deterministic toolkit, no model", models=["toolkit"])

    def preload(self, model: str) -> None:
        return None

    def close(self) -> None:
        self.closed = True


def _last_user_message(request) -> str:
    try:
        for message in reversed(list(request.messages or [])):
            if getattr(message, "role", "") == "user":
                return _clean(getattr(message, "content", ""))
        return ""
    except Exception:  # a malformed request is answered, not raised
        return ""


def _clean(content) -> str:
    if isinstance(content, (list, tuple)):
        # OpenAI-style content parts: keep the text ones.
        content = "\n".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        content = str(content)
    content = content[:MAX_QUERY_CHARS]
    # Binary noise: keep text, tabs and newlines.
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in content)


def answer(expert: str, query: str) -> str:
    """The toolkit's whole answer (Markdown) for ``expert`` and the user's words."""
    try:
        return _answer(expert, query)
    except Exception as exc:  # last line of defence: the toolkit must always answer
        return f"{HEADER}\n\nThe toolkit could not analyse this request ({type(exc).__name__})."


def _answer(expert: str, query: str) -> str:
    from triforce.analysis.source import extract_code_blocks

    truncated = len(query) >= MAX_QUERY_CHARS
    blocks = [b[:MAX_CODE_CHARS] for b in extract_code_blocks(query)[:MAX_BLOCKS]]
    tool = EXPERT_TOOLS.get(expert)
    intro = [HEADER]
    if tool:
        intro.append(f"Expert **{expert}**, deterministic toolkit: {tool}.")
    else:
        intro.append("No specialist toolkit applies, and without a model there is no general answer; "
                     "configure a backend (`triforce experts` shows what is reachable) for a written reply.")
    if truncated:
        intro.append(f"(The message was longer than {MAX_QUERY_CHARS} characters; only its start was read.)")
    handler: Callable[[str, list[str]], list[str]] = _HANDLERS.get(expert, _general)
    body = _guarded(handler, query, blocks)
    return "\n\n".join(intro + body).rstrip() + "\n"


def _guarded(handler, query, blocks) -> list[str]:
    try:
        return handler(query, blocks)
    except Exception as exc:
        return [f"The {handler.__name__.strip('_')} toolkit failed on this input ({type(exc).__name__}: {exc})."]


def _fence(code: str) -> str:
    return "```asm\n" + code.strip("\n") + "\n```"


def _widths(query: str, code: str = "") -> tuple[int, int, object]:
    from triforce.analysis.assumptions import parse_assumptions

    assumptions = parse_assumptions(query, code)
    return (1 if assumptions.m is None else assumptions.m,
            1 if assumptions.x is None else assumptions.x, assumptions)


def _need_code(what: str) -> list[str]:
    return [f"No 65816 code was found in the message. Paste the code in a ```asm block to {what}."]


def _size_line(code: str, m: int, x: int) -> str:
    from triforce.analysis.cycles import count_cycles

    report = count_cycles(code, m=m, x=x)
    if any(d.is_error for d in report.diagnostics) and not report.total_bytes:
        return "It does not assemble on its own (see the findings)."
    return f"Size {report.total_bytes} bytes; {report.total_cycles} cycles if every line runs once."


def _format_diags(diagnostics, code: str) -> list[str]:
    lines = code.splitlines()
    out = []
    for d in diagnostics:
        where = d.span.line
        text = lines[where - 1].strip() if 0 < where <= len(lines) else ""
        place = f"line {where} `{text}`" if text else "whole patch"
        out.append(f"- {place}: {d.severity.value}[{d.code}] {d.message}")
    return out


# ---------------------------------------------------------------- experts

def _din(query: str, blocks: list[str]) -> list[str]:
    from triforce.analysis.optimizer import optimize
    from triforce.analysis.source import parse_source

    if not blocks:
        return _need_code("optimize it")
    code = blocks[0]
    m, x, assumptions = _widths(query, code)
    count = sum(1 for s in parse_source(code) if s.is_instruction)
    if count > OPTIMIZE_MAX_INSTRUCTIONS:
        return [f"The code has {count} instructions; the toolkit optimizes routines of up to "
                f"{OPTIMIZE_MAX_INSTRUCTIONS}. Split out the hot routine and ask again."]
    objective = "bytes" if re.search(r"\b(bytes?|size|smaller|shrink|space|room)\b", query, re.I) \
        and not re.search(r"\b(cycles?|faster|speed|slow)\b", query, re.I) else "cycles"
    from triforce.analysis.machine import external_stubs

    stubs = external_stubs(code)
    result = optimize(code, live_out=assumptions.live_out, m=m, x=x, scratch=assumptions.scratch,
                      objective=objective, states=500, screen_states=80, deadline_s=20.0,
                      stub_missing=True)
    out = [_assumption_text(assumptions, m, x)] + _cycle_section(code, m, x)
    if stubs:
        names = ", ".join(line[:-1] for line in stubs.splitlines() if line.endswith(":"))
        out.append(f"Not defined in the code, so checked as routines that return at once: {names}.")
    if not result.rewrites:
        reason = result.diagnostics[0].message if result.diagnostics else "no proven improvement found"
        if result.equivalence is not None and result.equivalence.equivalent is None:
            reason = result.equivalence.summary()
        out.append(f"No rewrite could be proven: {reason}. The original stays as it is.")
        return out + _lint_section(code, m, x)
    steps = "\n".join(f"{i}. {r.description}: {r.before.cycles} -> {r.after.cycles} cycles, "
                      f"{r.before.bytes} -> {r.after.bytes} bytes" for i, r in enumerate(result.rewrites, 1))
    out.append(f"Rewrites applied ({objective} first), each proven before it was kept:\n{steps}")
    out.append(_fence(result.code))
    check = result.equivalence
    out.append(f"Verified: {check.summary() if check else 'equivalent'}.")
    out.append(f"Before: {result.before.bytes} bytes, {result.before.cycles} cycles (first state). "
               f"After: {result.after.bytes} bytes, {result.after.cycles} cycles.")
    return out


def _cycle_section(code: str, m: int, x: int) -> list[str]:
    """Where the time goes, line by line, before any rewrite is tried."""
    from triforce.analysis.cycles import count_cycles

    report = count_cycles(code, m=m, x=x)
    if not report.lines or any(d.is_error for d in report.diagnostics):
        return []
    return ["Cost of your code, line by line (datasheet counts; ranges where the data "
            "decides):\n\n" + report.to_markdown()]


def _assumption_text(assumptions, m: int, x: int) -> str:
    widths = f"Entry widths: A {'8' if m else '16'}-bit, X/Y {'8' if x else '16'}-bit"
    if assumptions.m is None or assumptions.x is None:
        widths += " (8-bit assumed where not stated)"
    if assumptions.live_out is None:
        live = "everything the code leaves behind is compared (no register or flag was said to be free)"
    else:
        live = "compared: " + ", ".join(sorted(assumptions.live_out)) + \
            ("; ignored as you said: " + "; ".join(assumptions.ignored) if assumptions.ignored else "")
    scratch = ""
    if assumptions.scratch:
        scratch = "; scratch memory: " + ", ".join(f"${a:X}-${b:X}" for a, b in assumptions.scratch)
    return f"{widths}. Equivalence: {live}{scratch}."


def _lint_section(code: str, m: int, x: int) -> list[str]:
    from triforce.analysis.lint import lint

    result = lint(code, m=m, x=x)
    if not result.diagnostics:
        return ["Linter: no findings."]
    return ["Linter findings:\n" + "\n".join(_format_diags(result.diagnostics, code))]


def _nayru(query: str, blocks: list[str]) -> list[str]:
    from triforce.knowledge.library import search

    ranked = search(query, limit=3)
    if not ranked:
        from triforce.knowledge.library import routines
        names = ", ".join(r.name for r in routines())
        return ["No routine in the verified library matches this request. Without a model the toolkit "
                f"cannot write new code; the library has: {names}."]
    score, best = ranked[0]
    out = [f"Closest verified library routine: **{best.name}** — {best.summary}",
           f"Entry: {best.entry}\n\nExit: {best.exit}",
           _fence(best.code),
           "This routine assembles and passes its behaviour test in the simulator (tests/knowledge). "
           "Check that its entry/exit conventions match your request before using it."]
    if len(ranked) > 1:
        out.append("Other candidates: " + ", ".join(f"{r.name} ({r.summary})" for _, r in ranked[1:]))
    return out


def _farore(query: str, blocks: list[str]) -> list[str]:
    from triforce.analysis.signature import run_once

    if not blocks:
        return _need_code("lint and run it")
    code = blocks[0]
    m, x, _ = _widths(query, code)
    out = _lint_section(code, m, x)
    run = run_once(code, m=m, x=x)
    if run.reason == "assemble":
        errors = [d for d in run.diagnostics if d.is_error]
        out.append("It does not assemble: " + "; ".join(f"line {d.span.line}: {d.message}" for d in errors[:5]))
        return out
    if run.ok:
        ex = run.exit
        wrote = ", ".join(f"${a:06X}=${v:02X}" for a, v in sorted(run.writes.items())[:12]) or "nothing"
        out.append(f"Simulator run from A=X=Y=0, all memory 0 ({'8' if m else '16'}-bit A, "
                   f"{'8' if x else '16'}-bit X/Y): finished in {run.cycles} cycles "
                   f"({run.instructions} instructions). Exit A=${ex['a']:04X} X=${ex['x']:04X} "
                   f"Y=${ex['y']:04X} P=${ex['p']:02X} S=${ex['s']:04X}; wrote {wrote}.")
    else:
        out.append(f"Simulator run from A=X=Y=0, all memory 0: it did not finish ({run.reason}) after "
                   f"{run.instructions} instructions — a crash or endless loop on this path.")
    if run.rom_writes:
        out.append(f"It writes to ROM at ${run.rom_writes[0][0]:06X} (ignored by the hardware).")
    return out


_HEX_RUN = re.compile(r"(?:\b(?:\$|0x)?[0-9A-Fa-f]{2}\b[ ,]*){3,}")


def _veran(query: str, blocks: list[str]) -> list[str]:
    out: list[str] = []
    code = blocks[0] if blocks else ""
    m, x, _ = _widths(query, code)
    hex_bytes = None if code and any(c.isalpha() and c not in "abcdefABCDEF$x" for c in code.replace(",", "")) \
        else _hex_bytes(code or query)
    if hex_bytes:
        from triforce.disasm import disassemble
        listing = disassemble(hex_bytes, start_addr=0x008000, m=m, x=x)
        text = "\n".join(i.text if hasattr(i, "text") else str(i) for i in listing.instructions)
        out.append(f"Disassembly of the {len(hex_bytes)} bytes (at $008000, {'8' if m else '16'}-bit A, "
                   f"{'8' if x else '16'}-bit X/Y):")
        out.append(_fence(text))
        code = text
    if not code:
        # A question about a hardware register is answered without any code.
        return out or _register_answer(query) or _need_code("explain it")
    out += _register_section(code)
    try:
        out.append(_size_line(code, m, x))
    except Exception:
        pass
    out += _signature_section(code, m, x)
    return out


def _hex_bytes(text: str) -> bytes | None:
    match = _HEX_RUN.search(text or "")
    if not match:
        return None
    tokens = re.findall(r"(?:\$|0x)?([0-9A-Fa-f]{2})\b", match.group(0))
    return bytes(int(t, 16) for t in tokens) if len(tokens) >= 3 else None


def _register_answer(query: str) -> list[str]:
    from triforce.knowledge.registers import lookup

    found = []
    for match in re.finditer(r"\$([0-9A-Fa-f]{4})\b", query):
        register = lookup(int(match.group(1), 16))
        if register and register not in found:
            found.append(register)
    return [f"- ${r.addr:04X} **{r.name}** ({r.access}): {r.desc}" for r in found[:8]]


def _register_section(code: str) -> list[str]:
    from triforce.analysis.source import parse_operand, parse_source
    from triforce.isa.queries import is_store, loaded_register, sets_widths_from_operand
    from triforce.knowledge.registers import lookup

    lines = []
    last_immediate: str | None = None
    seen = set()
    for statement in parse_source(code):
        if not statement.is_instruction:
            continue
        operand = parse_operand(statement)
        if loaded_register(statement.mnemonic) and operand.kind == "imm":
            last_immediate = operand.base
            continue
        if operand.kind == "addr" and operand.value is not None:
            register = lookup(operand.value)
            if register is not None and (register.addr, statement.mnemonic) not in seen:
                seen.add((register.addr, statement.mnemonic))
                value = f" <- {last_immediate}" if is_store(statement.mnemonic) and last_immediate else ""
                lines.append(f"- line {statement.line}: `{statement.text}` — ${register.addr:04X} "
                             f"**{register.name}**{value}: {register.desc}")
        # The loaded value survives the stores that write it and a width change.
        if not is_store(statement.mnemonic) and sets_widths_from_operand(statement.mnemonic) is None:
            last_immediate = None
    return ["Hardware registers this code touches:\n" + "\n".join(lines)] if lines else []


def _signature_section(code: str, m: int, x: int) -> list[str]:
    from triforce.analysis.signature import routine_signature

    sig = routine_signature(code, m=m, x=x, runs=12)
    if not sig.ok:
        return []
    fmt = lambda items: ", ".join(items) or "none"
    addrs = lambda values: ", ".join(f"${a:06X}" for a in values[:12]) + (" ..." if len(values) > 12 else "")
    return [
        "Signature measured in the simulator "
        f"({sig.runs} runs from random states):\n"
        f"- inputs: {fmt(sig.inputs)}\n- changes: {fmt(sig.outputs)}\n"
        f"- reads memory: {addrs(sig.reads) or 'none'}\n- writes memory: {addrs(sig.writes) or 'none'}\n"
        f"- cycles: {sig.cycles[0]}-{sig.cycles[1]}\n"
        f"- stack balanced: {'yes' if sig.stack_balanced else 'NO'}; returns with the entry widths: "
        f"{'yes' if sig.preserves_widths else 'NO'}"
        + (f"\n- did not finish: {'; '.join(sig.failures)}" if sig.failures else "")]


def _ganon(query: str, blocks: list[str]) -> list[str]:
    from triforce.analysis.security import audit

    if not blocks:
        return _need_code("audit it")
    out = []
    for number, code in enumerate(blocks, 1):
        findings = audit(code)
        label = f"Block {number}: " if len(blocks) > 1 else ""
        if findings:
            out.append(f"{label}Findings:\n" + "\n".join(_format_diags(findings, code)))
        else:
            out.append(f"{label}no unchecked index, RAM jump table or stack fault found by the static checks.")
    return out


def _zelda(query: str, blocks: list[str]) -> list[str]:
    from triforce.analysis.patches import bank_plan, layout

    if not blocks:
        return ["Bank plan without code: keep hooks small (a JSL at the original address), put new "
                "routines in `freecode` blocks (asar places them in free space with a RATS tag), call "
                "across banks with JSL/RTL, and guard every hook with `warnpc`."]
    code = "\n".join(blocks)
    plan = layout(code)
    out = [_blocks_table(plan)]
    out.append("Plan:\n" + "\n".join(f"- {line}" for line in bank_plan(code)))
    if plan.diagnostics:
        out.append("Findings:\n" + "\n".join(_format_diags(plan.diagnostics, code)))
    return out


def _blocks_table(plan) -> str:
    rows = ["| block | start | end | bytes |", "|---|---|---|---|"]
    for block in plan.blocks[:40]:
        if block.placed:
            rows.append(f"| line {block.line}: `{block.origin}` | ${block.start:06X} | ${block.end - 1:06X} | {block.size} |")
        else:
            rows.append(f"| line {block.line}: `{block.origin}` | (asar picks) | | {block.size} |")
    note = "" if plan.exact else "\n\n(sizes estimated: the patch does not assemble on its own)"
    return "Where the bytes go:\n\n" + "\n".join(rows) + note


def _link(query: str, blocks: list[str]) -> list[str]:
    from triforce.analysis.patches import layout

    if not blocks:
        return _need_code("check the patches for overlaps")
    code = "\n".join(blocks)
    plan = layout(code)
    out = [_blocks_table(plan)]
    overlaps = [d for d in plan.diagnostics if d.code in ("L101", "L102", "L103")]
    if overlaps:
        out.append("Conflicts:\n" + "\n".join(_format_diags(overlaps, code)))
    else:
        out.append("No two blocks write the same bytes, and no JSR/JMP crosses a bank.")
    return out


def _impa(query: str, blocks: list[str]) -> list[str]:
    from triforce.analysis.bounds import bound_from_text, guard

    if not blocks:
        return _need_code("add a bounds check to it")
    code = blocks[0]
    m, x, _ = _widths(query, code)
    bound = bound_from_text(query)
    if bound is None:
        return ["Say what the valid range is (for example \"the slot is 0-5\" or \"6 or more is invalid\") "
                "and the toolkit will insert and verify the check."] + _ganon(query, blocks)
    result = guard(code, bound, m=m, x=x)
    if not result.ok:
        return [f"No guard inserted: {result.diagnostics[0].message if result.diagnostics else 'unsupported code'}."]
    out = [f"Guarded version: the index from {result.index_source} is compared with {bound} first; "
           "out-of-range values skip every write and return with carry set.", _fence(result.code)]
    if result.verified:
        out.append(f"Verified: for in-range indexes {result.in_range.summary()}; for "
                   f"{result.out_of_range_states} out-of-range indexes it writes nothing and returns.")
    else:
        problems = result.out_of_range_writes or [result.in_range.summary() if result.in_range else "not checked"]
        out.append("NOT verified: " + "; ".join(problems))
    return out


def _tingle(query: str, blocks: list[str]) -> list[str]:
    from triforce.analysis.callgraph import call_graph_text, doc_skeleton, map_code

    if not blocks:
        return _need_code("chart it")
    code = "\n".join(blocks)
    code_map = map_code(code)
    if not code_map.routines:
        return ["No labelled routines were found; give each routine a `Name:` label to chart it."]
    out = ["Call graph:\n" + _fence_text(call_graph_text(code_map))]
    ram_rows = ["| address | read by | written by |", "|---|---|---|"]
    for addr, use in sorted(code_map.ram.items())[:60]:
        name = f"${addr:04X}" if addr <= 0xFFFF else f"${addr:06X}"
        ram_rows.append(f"| {name} | {', '.join(use['read']) or '-'} | {', '.join(use['write']) or '-'} |")
    if len(ram_rows) > 2:
        out.append("RAM usage:\n\n" + "\n".join(ram_rows))
    out.append("Documentation skeleton:\n" + _fence(doc_skeleton(code, code_map)))
    return out


def _fence_text(text: str) -> str:
    return "```text\n" + text + "\n```"


def _general(query: str, blocks: list[str]) -> list[str]:
    if not blocks:
        return []
    code = blocks[0]
    m, x, _ = _widths(query, code)
    return [_size_line(code, m, x)] + _lint_section(code, m, x)


_HANDLERS: dict[str, Callable[[str, list[str]], list[str]]] = {
    "din": _din, "nayru": _nayru, "farore": _farore, "veran": _veran, "ganon": _ganon,
    "zelda": _zelda, "link": _link, "impa": _impa, "tingle": _tingle,
}

__all__ = ["HEADER", "ToolkitBackend", "answer"]
