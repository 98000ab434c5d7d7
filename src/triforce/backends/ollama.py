"""Ollama's native API: ``/api/chat`` streaming NDJSON, ``/api/tags``, ``/api/ps``.

Ollama cannot switch a LoRA adapter per request: each expert is its own model
(``triforce export ollama`` writes the Modelfiles, ``ollama create`` builds
them). ``keep_alive`` keeps a model resident after a request; ``preload``
loads one ahead of use (a chat with no messages, as the API documents) and
``unload`` drops one (``keep_alive: 0``), which the model manager uses for its
memory budget.
"""

from __future__ import annotations

import time
from typing import Iterator

from triforce.backends.base import BackendError, BackendHealth, ChatChunk, ChatRequest
from triforce.backends.http import HttpBackend
from triforce.backends.ollama_probe import DEFAULT_URL, default_ollama_url, normalize_model
from triforce.backends.streams import iter_ndjson

__all__ = ["OllamaBackend", "DEFAULT_URL", "default_ollama_url", "normalize_model", "pull_hint"]


def pull_hint(model: str) -> str:
    if model.startswith("triforce-"):
        expert = model.split(":")[0].removeprefix("triforce-")
        return (f"build it: `triforce export ollama` then `ollama create {model} -f "
                f"<dir>/{expert}.Modelfile`, or use the base model (`ollama pull "
                f"qwen2.5-coder:7b`)")
    return f"run `ollama pull {model}`"


class OllamaBackend(HttpBackend):
    name = "ollama"
    default_url = DEFAULT_URL
    config_key = "backends.ollama"
    start_hint = "start Ollama (`ollama serve`)"

    def __init__(self, base_url: str | None = None, *, keep_alive: str | int = "30m",
                 timeout: float = 120.0, connect_timeout: float = 2.0, retries: int = 2,
                 backoff: float = 0.25, transport=None, **_ignored):
        super().__init__(base_url or default_ollama_url(), timeout=timeout,
                         connect_timeout=connect_timeout, retries=retries, backoff=backoff,
                         transport=transport)
        self.keep_alive = keep_alive

    def _status_error(self, response, body: str) -> BackendError:
        message = body
        try:
            message = response.json().get("error", body)
        except (ValueError, AttributeError):
            pass
        if response.status_code == 404 and "not found" in str(message):
            # The caller knows which model it asked for and names it (_named).
            return BackendError("missing_model", str(message), backend=self.name)
        return super()._status_error(response, str(message))

    def _named(self, error: BackendError, model: str) -> BackendError:
        if error.kind != "missing_model":
            return error
        return BackendError("missing_model", f"Ollama has no model {model!r}",
                            hint=pull_hint(model), backend=self.name)

    def _options(self, request: ChatRequest) -> dict:
        options = {"temperature": request.temperature, "num_predict": request.max_tokens}
        if request.stop:
            options["stop"] = list(request.stop)
        if request.seed is not None:
            options["seed"] = request.seed
        extra = request.options.get("ollama_options")
        if isinstance(extra, dict):
            options.update(extra)
        return options

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        model = request.model
        if not model:
            raise BackendError("config", "no model given", hint="set experts.<name>.models or --model",
                               backend=self.name)
        body = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "keep_alive": request.options.get("keep_alive", self.keep_alive),
            "options": self._options(request),
        }
        try:
            yield from self._chat_stream(body, model, request.timeout)
        except BackendError as exc:
            raise self._named(exc, model) from None

    def _chat_stream(self, body: dict, model: str, timeout: float) -> Iterator[ChatChunk]:
        deadline = time.monotonic() + timeout
        with self._stream("POST", "/api/chat", json=body, timeout=timeout) as response:
            done = False
            for event in iter_ndjson(self._iter_bytes(response, deadline), self.name):
                if "error" in event:
                    raise self._stream_error(str(event["error"]), model)
                message = event.get("message") or {}
                if not isinstance(message, dict):
                    raise BackendError("malformed", "stream line has a non-object message",
                                       backend=self.name)
                text = message.get("content") or ""
                if event.get("done"):
                    if text:
                        yield ChatChunk(text=text, model=model, backend=self.name)
                    done = True
                    yield ChatChunk(done=True, prompt_tokens=event.get("prompt_eval_count"),
                                    completion_tokens=event.get("eval_count"),
                                    model=event.get("model", model), backend=self.name)
                    break
                if text:
                    yield ChatChunk(text=text, model=model, backend=self.name)
            if not done:
                raise BackendError("malformed", "stream ended before the final (done) line",
                                   hint="the server stopped mid-reply; check `ollama serve` output",
                                   backend=self.name, retryable=True)

    def _stream_error(self, message: str, model: str) -> BackendError:
        if "not found" in message:
            return BackendError("missing_model", message, backend=self.name)
        return BackendError("http", f"Ollama error: {message}", hint="check `ollama serve` output",
                            backend=self.name)

    # -- model management --------------------------------------------------------
    def list_models(self) -> list[str]:
        data = self._request("GET", "/api/tags").json()
        return [m.get("name") or m.get("model", "") for m in data.get("models", [])]

    def loaded_models(self) -> list[dict]:
        """``/api/ps``: the resident models with ``name``, ``size``, ``size_vram``, ``expires_at``."""
        data = self._request("GET", "/api/ps").json()
        return [dict(m) for m in data.get("models", [])]

    def has_model(self, model: str) -> bool:
        wanted = normalize_model(model)
        return any(normalize_model(name) == wanted for name in self.list_models())

    def health(self) -> BackendHealth:
        try:
            models = self.list_models()
        except BackendError as exc:
            return BackendHealth(ok=False, detail=str(exc))
        return BackendHealth(ok=True, detail=f"Ollama at {self.base_url}", models=models)

    def preload(self, model: str, keep_alive: str | int | None = None) -> None:
        """Load ``model`` into memory now so the next request starts at once."""
        try:
            self._request("POST", "/api/chat", json={
                "model": model, "messages": [], "stream": False,
                "keep_alive": self.keep_alive if keep_alive is None else keep_alive})
        except BackendError as exc:
            raise self._named(exc, model) from None

    def unload(self, model: str) -> None:
        try:
            self._request("POST", "/api/chat", json={"model": model, "messages": [], "stream": False,
                                                     "keep_alive": 0})
        except BackendError as exc:
            raise self._named(exc, model) from None
