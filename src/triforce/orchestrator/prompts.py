"""The messages sent to an expert: its first call, a sequence hand-over, a repair round."""

from __future__ import annotations

import json

from triforce.backends.base import ChatMessage
from triforce.orchestrator.synthesis import describe_counterexample, summarize_ignored
from triforce.orchestrator.types import BlockReport, StepResult

GENERIC_SYSTEM = ("You are Triforce, an assistant for SNES 65816 assembly (asar syntax). "
                  "Put every piece of code in a ```asm block.")

_HANDOVER = {
    "analysis": "Explain what the previous expert changed and why it is correct, citing the code.",
    "mapping": "Document the code the previous expert produced.",
    "vulnerability": "Review the previous expert's code for ways it can break.",
    "debugging": "Check the previous expert's code for bugs and fix any you find.",
    "protection": "Add the defensive checks the previous expert's code needs.",
}


def as_message(item) -> ChatMessage:
    if isinstance(item, ChatMessage):
        return item
    if isinstance(item, dict):
        return ChatMessage(str(item.get("role", "user")), str(item.get("content", "")))
    role, content = item
    return ChatMessage(str(role), str(content))


def clip(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters (with a visible marker) and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit] + f"\n\n[... {len(text) - limit} more characters cut by Triforce ...]", True


def numbered(code: str) -> str:
    return "\n".join(f"{i:4}| {line}" for i, line in enumerate(code.split("\n"), 1))


def block_status(block: BlockReport) -> str:
    parts = []
    if block.assembles is True:
        parts.append(f"assembles, {block.bytes} bytes")
        if block.cycles:
            parts.append(f"{block.cycles[0]}-{block.cycles[1]} cycles")
    elif block.assembles is False:
        parts.append("does NOT assemble")
    if block.equivalent is True:
        parts.append(f"equivalent to the user's code on {block.states_tested} states")
    elif block.equivalent is False:
        parts.append("NOT equivalent to the user's code")
    return ", ".join(parts) or "not checked"


def first_messages(system_prompt: str, history: list, query: str,
                   previous: list[StepResult] = (), intent: str = "general") -> list[ChatMessage]:
    messages = [ChatMessage("system", system_prompt or GENERIC_SYSTEM)]
    messages.extend(as_message(m) for m in history)
    content = query
    for step in previous:
        checks = "\n".join(f"- block {b.index + 1}: {block_status(b)}" for b in step.code_blocks)
        content += (f"\n\n---\nThe {step.expert} expert ({step.intent}) answered:\n\n{step.text}\n"
                    + (f"\nThe toolchain's checks of that answer:\n{checks}\n" if checks else ""))
    if previous:
        content += "\n---\n" + _HANDOVER.get(intent, "Continue from the previous expert's answer.")
    messages.append(ChatMessage("user", content))
    return messages


def _counterexample(block: BlockReport) -> str:
    if not block.counterexample:
        return "no counterexample was reported"
    return (describe_counterexample(block.counterexample) + "\nFull state: "
            + json.dumps(block.counterexample, sort_keys=True, default=str)[:4000])


def repair_request(blocks: list[BlockReport]) -> str | None:
    """What to send back to the expert about its failing blocks, or None when all passed."""
    problems = []
    for block in blocks:
        if block.assembles is False:
            errors = "\n".join(d.format() for d in block.diagnostics if d.is_error) or "(no details)"
            problems.append(f"Block {block.index + 1} does not assemble:\n{errors}\n"
                            f"The block, with line numbers:\n{numbered(block.code)}")
        elif block.equivalent is False:
            ignored = f" (ignored, as stated: {summarize_ignored(block.ignored)})" if block.ignored else ""
            problems.append(
                f"Block {block.index + 1} does not behave like the user's code{ignored}. "
                f"A state where they differ:\n{_counterexample(block)}")
    if not problems:
        return None
    return ("The toolchain checked your answer (asar-dialect assembler; the simulator run "
            "against the user's code) and found problems:\n\n" + "\n\n".join(problems)
            + "\n\nSend the complete corrected answer, every piece of code in a ```asm block. "
              "Keep what was right; change only what the checks show is wrong.")
