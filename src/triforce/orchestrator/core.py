"""The Orchestrator: route -> plan -> run the experts -> check -> repair -> synthesise -> log.

``Orchestrator(config=None, store=None, router=None, backend_factory=None)``;
``orch.ask(AskRequest(...), on_event=callback) -> Answer``. ``store=False``
turns the request log off; ``backend_factory(expert_name, request)`` replaces
backend resolution (tests inject a MockBackend this way). ``ask`` never raises
for bad input, failing backends or failing tools: those become diagnostics and
a clear answer. Instances hold caches (router, experts, backends) and are
safe to share between the server's threads.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace

from triforce.diagnostics import Diagnostic, error, warning
from triforce.orchestrator import binding as binding_mod
from triforce.orchestrator.blocks import defines, user_code
from triforce.orchestrator.plan import PlanSettings, experts_with_intents, make_plan
from triforce.orchestrator.prompts import GENERIC_SYSTEM, as_message, clip
from triforce.orchestrator.steps import StepContext, run_step
from triforce.orchestrator.synthesis import choose, render
from triforce.orchestrator.trace import build_trace, overall_status
from triforce.orchestrator.types import Answer, AskRequest, Event, StepResult
from triforce.orchestrator.validate import CheckContext, CheckLimits, check_blocks


class Orchestrator:
    def __init__(self, config=None, store=None, router=None, backend_factory=None):
        if config is None:
            from triforce.config import load_config

            config = load_config()
        self.config = config
        section = config.section("orchestrator") if hasattr(config, "section") else {}
        self.settings = PlanSettings.from_config(section)
        self.limits = CheckLimits.from_config(section)
        self.max_query_chars = int(section.get("max_query_chars", 200_000))
        self.route_chars = int(section.get("route_chars", 8_000))
        self.max_tokens = int(section.get("max_tokens", 2048))
        self.preload_next = bool(section.get("preload_next", True))
        self._store = store
        self._router = router
        self._factory = backend_factory
        self._experts: dict | None = None
        self._resolver = None
        self._toolkit = None
        self._backend_names: dict[str, str] | None = None
        self._lock = threading.Lock()

    # -- lazily built collaborators -----------------------------------------------------
    def experts(self) -> dict | None:
        """The expert registry (name -> Expert), or None when that layer is not importable."""
        with self._lock:
            if self._experts is None:
                try:
                    from triforce.experts import load_experts

                    self._experts = dict(load_experts(self.config))
                except ImportError:
                    self._experts = {}
            return self._experts or None

    def router(self):
        with self._lock:
            if self._router is None:
                from triforce.router import Router

                self._router = Router.load(self.config)
            return self._router

    def store(self):
        with self._lock:
            if self._store is None:
                from triforce.store import Store

                self._store = Store()
            return self._store or None

    def close(self) -> None:
        """Close the backends this orchestrator created (through its resolver)."""
        with self._lock:
            resolver, self._resolver = self._resolver, None
            toolkit, self._toolkit = self._toolkit, None
        for closeable in (resolver, toolkit and toolkit.backend):
            if closeable:
                try:
                    closeable.close()
                except Exception:
                    pass

    # -- the request -------------------------------------------------------------------
    def ask(self, request: AskRequest, on_event=None) -> Answer:
        start = time.perf_counter()

        def emit(event: Event) -> None:
            if on_event is not None:
                on_event(event)

        try:
            return self._ask(request, emit, start)
        except Exception as exc:  # the last line of defence: a bug answers, it doesn't crash
            if os.environ.get("TRIFORCE_DEBUG"):
                raise
            diag = error("O099", f"internal error: {type(exc).__name__}: {exc}")
            emit(Event("error", None, diag.message, {"code": "O099"}))
            answer = Answer(markdown=f"**Triforce hit an internal error** — {diag.message}. "
                                     "Rerun with TRIFORCE_DEBUG=1 for details.",
                            route={"intents": [], "experts": []}, plan={}, steps=[],
                            status="error", diagnostics=[diag],
                            latency_ms=(time.perf_counter() - start) * 1000.0)
            emit(Event("done", None, "", {"status": "error", "verified": False}))
            return answer

    def _ask(self, request: AskRequest, emit, start: float) -> Answer:
        diags: list[Diagnostic] = []
        header: list[str] = []
        cancel = request.cancel
        cancelled = (lambda: cancel.is_set()) if cancel is not None else (lambda: False)
        query = request.query if isinstance(request.query, str) else str(request.query or "")
        if not query.strip():
            return self._refuse(error("O001", "the question is empty"), emit, start)
        query, cut = clip(query, self.max_query_chars)
        if cut:
            diags.append(warning("O002", f"the question was cut to {self.max_query_chars} characters"))
            header.append(f"> ⚠ Your question was longer than {self.max_query_chars:,} characters; "
                          "only its beginning was read.")

        unknown = self._unknown_backend(request)
        if unknown is not None:
            return self._refuse(unknown, emit, start)
        route, decision, pairs = self._route(query, request, diags)
        if pairs is None:
            return self._refuse(diags[-1], emit, start, route=route)
        emit(Event("route", None, ", ".join(route.get("experts", [])), route))

        plan = make_plan(pairs, settings=self.settings, query=query, mode=request.plan,
                         tier=request.tier, samples=request.samples,
                         max_repair_rounds=request.max_repair_rounds, timeout=request.timeout)
        emit(Event("plan", None, plan.reason, plan.to_dict()))

        given = user_code(query)
        history = [as_message(m) for m in request.history]
        subject = subject_code(given, history)
        user_defines = defines("\n".join([m.content for m in history] + [query]))
        user_texts = [m.content for m in history if m.role == "user"] + [query]

        def progress(text: str, data: dict, expert: str | None = None) -> None:
            emit(Event("progress", expert, text, data))

        results: list[StepResult] = []
        for step in plan.steps:
            if cancelled():
                break
            expert = (self.experts() or {}).get(step.expert)
            step_binding = self._binding(step.expert, request, diags)
            check = CheckContext(step.intent, user_texts, subject, tuple(request.include_dirs),
                                 self.limits, lambda t, d, e=step.expert: progress(t, d, e), cancelled,
                                 user_defines)
            ctx = StepContext(query, history, getattr(expert, "system_prompt", "") or GENERIC_SYSTEM,
                              check, plan, emit, cancelled, cancel, request.tier,
                              min(request.max_tokens or self.max_tokens, self.max_tokens),
                              request.temperature, request.stop, request.seed)
            if step_binding is None:
                results.append(self._no_backend(step, diags, emit))
                continue
            previous = [r for r in results if r.status in ("ok", "failed_checks")] \
                if plan.mode == "sequence" else []
            results.append(run_step(step, step_binding, ctx, previous))

        user_check_start = time.perf_counter()
        user_blocks = []
        if given and not cancelled():
            progress("checking your code", {"step": "user_code"})
            user_ctx = CheckContext("user", user_texts, None, tuple(request.include_dirs),
                                    self.limits, lambda t, d: progress(t, d), cancelled,
                                    user_defines)
            user_blocks = check_blocks(given, user_ctx, role="user")
        user_check_ms = (time.perf_counter() - user_check_start) * 1000.0
        _measured_user_cycles(user_blocks, subject, results)

        choose(results, plan)
        toolkit = any(r.toolkit for r in results if r.chosen)
        if cancelled():
            diags.append(warning("O022", "the request was cancelled"))
        markdown, summary = render(results, user_blocks, plan, toolkit=toolkit,
                                   header_notes=header)
        answer = Answer(markdown=markdown, route=route, plan=plan.to_dict(), steps=results,
                        user_code=user_blocks, toolkit=toolkit, diagnostics=diags,
                        summary=summary)
        answer.status = overall_status(results, cancelled())
        answer.latency_ms = (time.perf_counter() - start) * 1000.0
        answer.overhead_ms = max(0.0, answer.latency_ms - user_check_ms
                                 - sum(r.model_ms + r.check_ms for r in results))
        answer.trace = build_trace(answer, request, query)
        answer.trace["timing"]["user_check_ms"] = round(user_check_ms, 3)
        answer.trace["preloaded"] = self._preload_next(answer, request, emit)
        self._log(answer, decision, request, diags)
        emit(Event("done", None, "", {"status": answer.status, "verified": answer.verified,
                                      "request_id": answer.request_id,
                                      "summary": summary}))
        return answer

    # -- pieces ------------------------------------------------------------------------
    def _route(self, query: str, request: AskRequest, diags: list[Diagnostic]):
        """(route dict, RouteDecision or None, [(expert, intent)] or None on a bad --expert)."""
        registry = self.experts()
        intent_of = {name: e.intent for name, e in (registry or {}).items()}
        preview = query[:200]
        if request.expert:
            if registry and request.expert not in registry:
                diags.append(error("O011", f"unknown expert {request.expert!r}; choose one of "
                                           + ", ".join(sorted(registry))))
                return {"query": preview, "intents": [], "experts": []}, None, None
            intent = intent_of.get(request.expert, "general")
            route = {"query": preview, "intents": [intent], "experts": [request.expert],
                     "confidence": 1.0, "path": "forced", "latency_ms": 0.0}
            return route, None, [(request.expert, intent)]
        try:
            decision = self.router().route(query[: self.route_chars],
                                           previous_expert=request.previous_expert)
            route = decision.to_dict()
            pairs = experts_with_intents(list(decision.experts), list(decision.intents), intent_of)
            return route, decision, pairs
        except Exception as exc:  # router missing or broken: answer with the fallback expert
            diags.append(warning("O010", f"the router is unavailable ({type(exc).__name__}: {exc}); "
                                         "using the fallback expert"))
            route = {"query": preview, "intents": ["general"], "experts": ["fallback"],
                     "confidence": 0.0, "path": "unavailable", "latency_ms": 0.0}
            return route, None, [("fallback", "general")]

    def resolver(self):
        """The experts layer's Resolver (one Ollama probe, shared backends), or None."""
        with self._lock:
            if self._resolver is None:
                try:
                    from triforce.experts import Resolver

                    self._resolver = Resolver(self.config)
                except Exception:   # layer missing or its config broken: the toolkit answers
                    self._resolver = False
            return self._resolver or None

    def toolkit(self):
        """The toolkit Binding every chain ends with (created once), or None."""
        with self._lock:
            if self._toolkit is None:
                self._toolkit = binding_mod.toolkit_binding() or False
            return self._toolkit or None

    def _binding(self, name: str, request: AskRequest, diags: list[Diagnostic]):
        if self._factory is not None:
            return binding_mod.bind(name, request, factory=self._factory, toolkit=self.toolkit(),
                                    diagnostics=diags)
        return binding_mod.bind(name, request, resolver=self.resolver(), toolkit=self.toolkit(),
                                diagnostics=diags)

    def _unknown_backend(self, request: AskRequest) -> Diagnostic | None:
        """An explicitly named backend that is not registered is the user's mistake to
        fix, not a reason to answer quietly with the toolkit."""
        if not request.backend or self._factory is not None:
            return None
        names = self._registered_backends()
        if names is None:
            return None
        if request.backend in names:
            return None
        return error("O033", f"unknown backend {request.backend!r}; choose one of "
                             + ", ".join(sorted(names)))

    def _registered_backends(self) -> dict[str, str] | None:
        """Registered backend names, scanned once per orchestrator: the
        entry-point scan costs milliseconds, too much to repeat per request."""
        cached = self._backend_names
        if cached is None:
            try:
                from triforce.backends.registry import available

                cached = available()
            except Exception:
                return None
            self._backend_names = cached
        return cached

    def _preload_next(self, answer: Answer, request: AskRequest, emit) -> dict | None:
        """Seed question 3: warm the model of the expert that usually comes next.

        The request log's transitions say which expert most often follows the one
        that just answered; if its backend can ``preload`` (Ollama can), that
        happens in the background so the next turn starts at once."""
        shown = [s for s in answer.steps if s.chosen and s.status in ("ok", "failed_checks")]
        if not self.preload_next or not shown or answer.status == "cancelled":
            return None
        try:
            store = self.store()
            upcoming = store.most_likely_next(shown[-1].expert) if store else None
            if not upcoming or upcoming == shown[-1].expert:
                return None
            binding = self._binding(upcoming, replace(request, expert=upcoming), [])
            if binding is None or binding.is_toolkit or not binding.model:
                return None
            preload = getattr(binding.get(), "preload", None)
        except Exception:   # a guess that cannot be acted on is simply skipped
            return None
        if not callable(preload):
            return None
        emit(Event("progress", upcoming, f"preloading {binding.model} for {upcoming}",
                   {"preload": upcoming, "model": binding.model}))
        threading.Thread(target=_quietly, args=(preload, binding.model),
                         name="triforce-preload", daemon=True).start()
        return {"expert": upcoming, "backend": binding.backend_name, "model": binding.model}

    def _no_backend(self, step, diags: list[Diagnostic], emit) -> StepResult:
        """No model and no toolkit backend: the toolchain's report of the user's code stands alone."""
        message = ("no model is configured and the toolkit backend is not available; "
                   "the checks of your code below are the whole answer")
        diag = error("O031", message)
        diags.append(diag)
        emit(Event("error", step.expert, message, {"code": "O031"}))
        return StepResult(step.expert, step.intent, backend="none", status="error",
                          error=message, toolkit=True, diagnostics=[diag])

    def _refuse(self, diag: Diagnostic, emit, start: float, route: dict | None = None) -> Answer:
        emit(Event("error", None, diag.message, {"code": diag.code}))
        answer = Answer(markdown=f"**Cannot answer:** {diag.message}.",
                        route=route or {"intents": [], "experts": []},
                        plan={}, steps=[], status="error", diagnostics=[diag],
                        latency_ms=(time.perf_counter() - start) * 1000.0)
        emit(Event("done", None, "", {"status": "error", "verified": False}))
        return answer

    def _log(self, answer: Answer, decision, request: AskRequest, diags: list[Diagnostic]) -> None:
        """Store the trace (one row per request) and the routing decision; never fatal."""
        try:
            store = self.store()
            if store is None:
                return
            if decision is not None:
                store.record_route(decision, conversation_id=request.conversation_id,
                                   source=request.source)
            answer.request_id = store.log_request(answer.trace)
        except Exception as exc:
            diags.append(warning("O032", f"the request log is unavailable: {type(exc).__name__}: {exc}"))


def subject_code(given, history) -> str | None:
    """The code a rewrite must match: the longest block of the question, else (a follow-up
    like "now make it smaller") the latest code in the conversation."""
    if given:
        return max((b.code for b in given), key=len)
    for message in reversed(history):
        found = user_code(message.content)
        if found:
            return max((b.code for b in found), key=len)
    return None


def _measured_user_cycles(user_blocks, subject: str | None, results: list[StepResult]) -> None:
    """Without a static count, the user's routine gets the cycles the simulator measured
    for it while checking a rewrite (the ``before`` side)."""
    measured = next((b.before.get("cycles_range") for r in results for b in r.code_blocks
                     if b.before and isinstance(b.before.get("cycles_range"), list)
                     and None not in b.before["cycles_range"][:2]), None)
    if measured is None:
        return
    for block in user_blocks:
        if block.cycles is None and block.assembles and block.code == subject:
            block.cycles = (int(measured[0]), int(measured[1]))


def _quietly(function, *args) -> None:
    try:
        function(*args)
    except Exception:   # preloading is a hint; failures cost nothing but the hint
        pass
