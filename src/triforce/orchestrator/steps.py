"""Running one plan step: call the expert, check its code, repair, fall back.

A step is one expert answering (or one sample of it). Its reply streams out as
``token`` events; every code block is then checked; failures go back to the
same expert as diagnostics or a counterexample for up to ``max_repair_rounds``
more calls. When the backend dies, times out or cannot be reached, the next
backend in the resolution's fallbacks answers (ending with the toolkit), and
the answer says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from triforce.backends.base import Backend, BackendError, ChatMessage, ChatRequest
from triforce.diagnostics import error, note, warning
from triforce.orchestrator import prompts
from triforce.orchestrator.blocks import code_blocks
from triforce.orchestrator.plan import Plan, PlanStep
from triforce.orchestrator.streaming import StreamOutcome, stream_chat
from triforce.orchestrator.types import Attempt, Event, StepResult
from triforce.orchestrator.validate import CheckContext, check_blocks

TOOLKIT = "toolkit"


@dataclass
class Binding:
    """A backend ready for one expert: what ``experts.resolve`` (or a test factory) chose."""

    backend: Backend | None
    backend_name: str
    model: str = ""
    adapter: str | None = None
    fallbacks: list = field(default_factory=list)     # more Bindings, tried in order
    make: Callable[[], Backend] | None = None         # creates ``backend`` on first use

    @property
    def is_toolkit(self) -> bool:
        return self.backend_name == TOOLKIT

    def get(self) -> Backend:
        if self.backend is None and self.make is not None:
            self.backend = self.make()
        return self.backend


@dataclass
class StepContext:
    """Everything a step needs from the request, bound once by the orchestrator."""

    query: str
    history: list
    system_prompt: str
    check: CheckContext
    plan: Plan
    emit: Callable[[Event], None]
    cancelled: Callable[[], bool]
    cancel_event: object = None
    tier: str | None = None
    max_tokens: int = 1024
    temperature: float | None = None     # the client's choice; a plan step's own value wins
    stop: list[str] | None = None
    seed: int | None = None


def _chat_request(step: PlanStep, binding: Binding, messages: list[ChatMessage],
                  ctx: StepContext) -> ChatRequest:
    request = ChatRequest(messages=messages, model=binding.model, adapter=binding.adapter,
                          timeout=ctx.plan.timeout, max_tokens=ctx.max_tokens,
                          options={"expert": step.expert, "intent": step.intent,
                                   "tier": ctx.tier, "sample": step.sample})
    temperature = step.temperature if step.temperature is not None else ctx.temperature
    if temperature is not None:
        request.temperature = temperature
    seed = step.seed if step.seed is not None else ctx.seed
    if seed is not None:
        request.seed = seed
    if ctx.stop:
        request.stop = list(ctx.stop)
    return request


def _call(step: PlanStep, binding: Binding, messages: list[ChatMessage], ctx: StepContext,
          result: StepResult, round_no: int):
    def on_text(text: str) -> None:
        ctx.emit(Event("token", step.expert, text, {"round": round_no, "sample": step.sample}))

    try:
        backend = binding.get()
    except BackendError as exc:   # a fallback that cannot even be created
        return StreamOutcome("", "error", error=exc)
    except Exception as exc:      # e.g. its module is missing
        return StreamOutcome("", "error", error=BackendError(
            "config", f"cannot create backend: {type(exc).__name__}: {exc}",
            backend=binding.backend_name))
    outcome = stream_chat(backend, _chat_request(step, binding, messages, ctx),
                          on_text=on_text, timeout=ctx.plan.timeout, cancel=ctx.cancel_event)
    result.model_ms += outcome.elapsed_ms
    if outcome.model:
        result.model = outcome.model
    if outcome.adapter:
        result.adapter = outcome.adapter
    if outcome.final is not None:
        result.prompt_tokens += outcome.final.prompt_tokens or 0
        result.completion_tokens += outcome.final.completion_tokens or 0
    return outcome


def _check(text: str, step: PlanStep, ctx: StepContext, result: StepResult, round_no: int,
           outcome) -> Attempt:
    start = time.perf_counter()
    blocks = check_blocks(code_blocks(text), ctx.check, expert_text=text)
    check_ms = (time.perf_counter() - start) * 1000.0
    result.check_ms += check_ms
    final = outcome.final
    attempt = Attempt(round_no, text, blocks, outcome.elapsed_ms, check_ms,
                      final.prompt_tokens if final else None,
                      final.completion_tokens if final else None)
    ctx.emit(Event("validation", step.expert,
                   f"{len(blocks)} code block(s) checked",
                   {"round": round_no, "sample": step.sample,
                    "blocks": [b.to_dict() for b in blocks]}))
    return attempt


def _fail(result: StepResult, outcome, step: PlanStep, ctx: StepContext, *, fatal: bool = True) -> None:
    """Record a failed call. ``fatal``: the step has no checked answer to show instead."""
    message = str(outcome.error) if outcome.error else outcome.status
    code = {"timeout": "O021", "cancelled": "O022"}.get(outcome.status, "O020")
    if fatal or outcome.status == "cancelled":
        result.status, result.error = outcome.status, message
    result.diagnostics.append(error(code, message) if fatal else warning(code, message))
    ctx.emit(Event("error", step.expert, message,
                   {"code": code, "kind": getattr(outcome.error, "kind", outcome.status),
                    "hint": getattr(outcome.error, "hint", "")}))


def _failures(attempt: Attempt) -> int:
    return sum(b.failed for b in attempt.blocks)


def run_step(step: PlanStep, binding: Binding, ctx: StepContext,
             previous: list[StepResult] = ()) -> StepResult:
    """One expert's answer, checked and repaired; never raises for backend failures."""
    start = time.perf_counter()
    result = StepResult(step.expert, step.intent, binding.backend_name, binding.model,
                        binding.adapter, sample=step.sample, toolkit=binding.is_toolkit)
    ctx.emit(Event("step_start", step.expert, "",
                   {"intent": step.intent, "backend": binding.backend_name,
                    "model": binding.model, "adapter": binding.adapter, "sample": step.sample}))
    messages = prompts.first_messages(ctx.system_prompt, ctx.history, ctx.query,
                                      previous, step.intent)
    primary = binding
    outcome = first_failure = None
    for current in [primary] + list(primary.fallbacks):
        if current is not primary:
            result.diagnostics.append(note("O023", f"fell back to the {current.backend_name} backend"))
            ctx.emit(Event("progress", step.expert,
                           f"{primary.backend_name} failed; asking {current.backend_name}",
                           {"fallback": current.backend_name}))
        outcome = _call(step, current, messages, ctx, result, 0)
        if outcome.status in ("ok", "cancelled"):
            binding = current
            break
        first_failure = first_failure or outcome
        result.diagnostics.append(warning("O020", f"{current.backend_name}: {outcome.error}"))
    if outcome.status == "ok" and binding is not primary:
        result.fallback_from = primary.backend_name
        result.backend, result.model = binding.backend_name, outcome.model or binding.model
        result.adapter, result.toolkit = outcome.adapter or binding.adapter, binding.is_toolkit
    elif outcome.status != "ok":
        # Nothing answered: report the first failure and keep its partial reply.
        outcome = first_failure if outcome.status != "cancelled" else outcome
        _fail(result, outcome, step, ctx)
    result.text = outcome.text
    attempt = _check(outcome.text, step, ctx, result, 0, outcome)
    result.attempts.append(attempt)
    best = latest = attempt
    # The toolkit is deterministic: asking it again gives the same answer.
    rounds_left = 0 if binding.is_toolkit or outcome.status != "ok" else ctx.plan.max_repair_rounds
    repair = prompts.repair_request(best.blocks)
    round_no = 0
    while repair and rounds_left > 0 and not ctx.cancelled():
        round_no += 1
        rounds_left -= 1
        ctx.emit(Event("progress", step.expert,
                       f"repair round {round_no}: sending the toolchain's findings back",
                       {"repair_round": round_no, "sample": step.sample}))
        messages = messages + [ChatMessage("assistant", latest.text), ChatMessage("user", repair)]
        outcome = _call(step, binding, messages, ctx, result, round_no)
        result.repair_rounds = round_no
        if outcome.status != "ok":
            # Keep the last checked answer; the failed repair call is noted, not shown.
            _fail(result, outcome, step, ctx, fatal=False)
            break
        attempt = _check(outcome.text, step, ctx, result, round_no, outcome)
        result.attempts.append(attempt)
        latest = attempt
        if _failures(attempt) <= _failures(best):   # a repair that made things worse is not shown
            best = attempt
        repair = prompts.repair_request(latest.blocks)
    result.text = best.text
    result.code_blocks = best.blocks
    if result.status == "ok" and any(b.failed for b in best.blocks):
        result.status = "failed_checks"
        code = "O111" if any(b.equivalent is False for b in best.blocks) else "O112"
        result.diagnostics.append(error(code, f"checks still fail after {result.repair_rounds} "
                                              "repair round(s)"))
    elif result.status == "ok" and not best.blocks and step.intent in ("optimization", "generation"):
        result.diagnostics.append(note("O120", "the answer contains no code"))
    result.elapsed_ms = (time.perf_counter() - start) * 1000.0
    ctx.emit(Event("step_end", step.expert, result.status,
                   {"repair_rounds": result.repair_rounds, "status": result.status,
                    "sample": step.sample, "elapsed_ms": round(result.elapsed_ms, 2)}))
    return result
