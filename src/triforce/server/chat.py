"""What the OpenAI and Ollama routes share: limits, the run, the text stream.

Both APIs turn a request into an ``AskRequest`` (last user message = query,
the rest = history), hold a per-client slot while the orchestration runs,
stream its ``token`` events as text, and end with the answer's route and
verification results. Only the wire format differs, and that stays in the
route modules.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from fastapi import Request

from triforce.orchestrator.render import StreamText
from triforce.server.engine import HEARTBEAT, Engine, Run, RunResult
from triforce.server.errors import APIError, ClientGone, scrub_paths

SYSTEM_ROLES = {"system": "system", "developer": "system"}


@dataclass
class Prompt:
    query: str
    history: list[dict]


def split_messages(messages: list[tuple[str, str]], max_messages: int) -> Prompt:
    """``[(role, text)]`` -> the last user message as the query, the rest as history."""
    if len(messages) > max_messages:
        raise APIError("H101", f"too many messages ({len(messages)} > {max_messages})",
                       param="messages")
    last_user = max((i for i, (role, _) in enumerate(messages) if role == "user"), default=None)
    if last_user is None or not messages[last_user][1].strip():
        raise APIError("H103", "the request needs a non-empty user message", param="messages")
    history = []
    for index, (role, text) in enumerate(messages):
        if index == last_user:
            continue
        role = SYSTEM_ROLES.get(role, role if role in ("user", "assistant") else "user")
        history.append({"role": role, "content": text})
    return Prompt(messages[last_user][1], history)


def check_max_tokens(value: int | None, limit: int, param: str) -> None:
    if value is not None and value > limit:
        raise APIError("H102", f"{param} {value} is over this server's limit of {limit}",
                       param=param)


def client_key(request: Request) -> str:
    client = request.client
    return client.host if client else "unknown"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def triforce_info(answer_dict: dict | None) -> dict | None:
    """The ``triforce`` extra field: ``Answer.to_dict()`` minus the answer text itself."""
    if not answer_dict:
        return None
    return {key: value for key, value in answer_dict.items() if key != "answer"}


def server_timing(result: RunResult) -> dict[str, str]:
    """``Server-Timing`` for a finished request: the orchestrator's share and the
    time spent waiting for a worker thread, so clients can tell the server's own
    overhead from the work."""
    queued_ms = max(0.0, (result.seconds - result.ask_seconds) * 1000.0)
    return {"Server-Timing": f"orchestrator;dur={result.ask_seconds * 1000.0:.3f}, "
                             f"queue;dur={queued_ms:.3f}"}


def token_counts(answer_dict: dict | None) -> tuple[int, int]:
    prompt = completion = 0
    for step in (answer_dict or {}).get("steps") or []:
        tokens = step.get("tokens") or {}
        prompt += int(tokens.get("prompt") or 0)
        completion += int(tokens.get("completion") or 0)
    return prompt, completion


@dataclass
class Finished:
    result: RunResult
    answer_dict: dict | None
    text: str


class ChatRun:
    """A started orchestration with its client slot; release and metrics happen
    when the worker really finishes, even after the client has gone."""

    def __init__(self, request: Request, engine: Engine, api: str, ask_request, model_id: str,
                 *, stream: bool):
        self.engine = engine
        self.api = api
        self.model_id = model_id
        self.request = request
        state = request.app.state
        self.limiter = state.limiter
        self.metrics = state.metrics
        self.client = client_key(request)
        if not self.limiter.try_acquire(self.client):
            raise APIError("H109", f"too many concurrent requests from this client "
                                   f"(limit {self.limiter.per_client})")
        try:
            self.run: Run = engine.start(ask_request, stream=stream)
        except BaseException:
            self.limiter.release(self.client)
            raise
        state.recent_models[model_id] = time.time()
        self.run.future.add_done_callback(self._finished)

    def _finished(self, future: asyncio.Future) -> None:
        self.limiter.release(self.client)
        if future.cancelled():
            return
        result: RunResult = future.result()
        status = "error" if result.error is not None else str(
            (result.answer_dict or {}).get("status") or "ok")
        self.metrics.observe_answer(self.api, result.answer_dict, status, result.seconds)

    def abandon(self) -> None:
        """The response is over: stop the orchestration if it is still running."""
        if self.run.result is None and not self.run.future.done():
            self.run.cancel.set()

    async def complete(self) -> Finished:
        try:
            result = await self.run.wait(self.request.is_disconnected)
        except ClientGone:
            self.metrics.observe_disconnect()
            raise
        return self._final(result)

    def _final(self, result: RunResult) -> Finished:
        answer = result.answer_dict or {}
        codes = {d.get("code") for d in answer.get("diagnostics") or []}
        if result.error is not None or "O099" in codes:
            raise APIError("H112", "the orchestrator failed on this request; see the server log")
        if answer.get("status") == "error":
            raise APIError("H111", "no backend could answer: " + _diagnostic_text(answer))
        return Finished(result, result.answer_dict, str(answer.get("answer") or ""))

    async def text_stream(self):
        """Yield ``("text", str)`` pieces (``("heartbeat", None)`` during long silences),
        then one ``("done", Finished)``. Closing the generator early (client gone)
        cancels the orchestration."""
        text = StreamText()
        events = self.run.events()
        try:
            async for event in events:
                if event is HEARTBEAT:
                    yield "heartbeat", None
                    continue
                piece = text.feed(event)
                if piece:
                    yield "text", piece
        except (GeneratorExit, asyncio.CancelledError):
            self.metrics.observe_disconnect()
            raise
        finally:
            if self.run.result is None:
                self.run.cancel.set()
            await events.aclose()
        result = self.run.result
        tail = text.tail(result.answer, str((result.answer_dict or {}).get("answer") or ""))
        if tail:
            yield "text", tail
        yield "done", self._final(result)


def _diagnostic_text(answer: dict) -> str:
    messages = [f"{d.get('message')} [{d.get('code')}]" for d in answer.get("diagnostics") or []
                if d.get("message") and d.get("severity") == "error"]
    for step in answer.get("steps") or []:
        if step.get("error"):
            messages.append(f"{step.get('expert')}: {step['error']}")
    return scrub_paths("; ".join(messages[:3]) or "unknown backend failure")
