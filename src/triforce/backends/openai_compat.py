"""Any OpenAI-compatible server: ``/v1/chat/completions`` streamed as SSE.

How the expert's adapter is chosen depends on the server, found once per
backend object (``flavor="auto"``) or set in ``[backends.openai] flavor``:

* **vLLM** (``--enable-lora --lora-modules din=...``): every adapter is served
  as a model of its own, so the request's ``model`` is the adapter name.
* **llama-server** (``--lora a.gguf,b.gguf``): one base, adapters picked per
  request with the ``lora`` field (``[{"id": 0, "scale": 1.0}, ...]``), ids
  read from ``GET /lora-adapters``. Two upstream faults are handled here, not
  hidden: ``--lora-init-without-apply`` is ignored (every adapter starts at
  scale 1.0, applied to requests that name none), and a request without a
  ``lora`` list can reuse a KV cache built under another adapter. So at first
  use all global scales are set to 0 (``POST /lora-adapters``) and every
  request sends the full list, the chosen adapter at its scale, all others 0.
* **plain** (OpenAI, LM Studio, ...): no adapters; asking for one is an error
  that says how to serve it.
"""

from __future__ import annotations

import time
from pathlib import PurePath
from typing import Iterator

from triforce.backends.base import BackendError, BackendHealth, ChatChunk, ChatRequest
from triforce.backends.http import HttpBackend
from triforce.backends.streams import iter_sse

FLAVORS = ("auto", "vllm", "llama-server", "plain")


def _root_url(base_url: str) -> str:
    """Accept both ``http://host:8000`` and ``http://host:8000/v1``."""
    url = base_url.rstrip("/")
    return url[:-3] if url.endswith("/v1") else url


def adapter_stem(path: str) -> str:
    """``/models/din.gguf`` -> ``din``; also strips ``-lora`` and ``-f16``-style suffixes."""
    stem = PurePath(path).name
    for suffix in (".gguf", ".bin", ".safetensors"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    changed = True
    while changed:
        changed = False
        for suffix in ("-lora", ".lora", "_lora", "-f16", "-f32", "-q8_0"):
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem, changed = stem[: -len(suffix)], True
    return stem


class OpenAIBackend(HttpBackend):
    name = "openai"
    default_url = "http://127.0.0.1:8000"
    config_key = "backends.openai"
    start_hint = "start the server (`vllm serve ...` or `llama-server ...`; see `triforce deploy vllm`)"

    def __init__(self, base_url: str | None = None, *, api_key: str | None = None,
                 flavor: str = "auto", lora_scale: float = 1.0, timeout: float = 120.0,
                 connect_timeout: float = 2.0, retries: int = 2, backoff: float = 0.25,
                 transport=None, **_ignored):
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        super().__init__(_root_url(base_url or self.default_url), timeout=timeout,
                         connect_timeout=connect_timeout, retries=retries, backoff=backoff,
                         headers=headers, transport=transport)
        if flavor not in FLAVORS:
            raise BackendError("config", f"unknown flavor {flavor!r}",
                               hint=f"set {self.config_key}.flavor to one of {', '.join(FLAVORS)}",
                               backend=self.name)
        self.flavor = flavor
        self.lora_scale = float(lora_scale)
        self._lora_ids: dict[str, int] | None = None   # llama-server: adapter stem -> id
        self._served_models: set[str] | None = None

    # -- discovery ---------------------------------------------------------------
    def _status_error(self, response, body: str) -> BackendError:
        message = body
        try:
            payload = response.json()
            err = payload.get("error", payload)
            message = err.get("message", body) if isinstance(err, dict) else str(err)
        except (ValueError, AttributeError):
            pass
        status = response.status_code
        if status in (401, 403):
            return BackendError("config", f"server refused the API key (HTTP {status})",
                                hint=f"set {self.config_key}.api_key", backend=self.name)
        if status == 404 and ("model" in message.lower() or "does not exist" in message):
            # The caller knows what it asked for and names it (_named).
            return BackendError("missing_model", message, backend=self.name)
        return super()._status_error(response, message)

    def _named(self, error: BackendError, body: dict, adapter: str | None) -> BackendError:
        if error.kind != "missing_model":
            return error
        if adapter and body.get("model") == adapter:
            return BackendError("missing_adapter", f"server does not serve adapter {adapter!r}: {error.message}",
                                hint="start the server with the adapter as a LoRA module "
                                     "(`triforce deploy vllm` prints the command)", backend=self.name)
        return BackendError("missing_model", f"server has no model {body.get('model')!r}: {error.message}",
                            hint=f"serve it, or set {self.config_key}.model / --model to one of "
                                 "`GET /v1/models`", backend=self.name)

    def detect_flavor(self) -> str:
        if self.flavor != "auto":
            return self.flavor
        try:
            self._load_lora_ids()
            self.flavor = "llama-server"
        except BackendError as exc:
            if exc.kind in ("unreachable", "timeout"):
                raise
            self.flavor = "vllm" if self._has_lora_models() else "plain"
        return self.flavor

    def _has_lora_models(self) -> bool:
        try:
            data = self._request("GET", "/v1/models", retries=0).json()
        except BackendError:
            return False
        entries = data.get("data", []) if isinstance(data, dict) else []
        self._served_models = {m.get("id", "") for m in entries if isinstance(m, dict)}
        # vLLM lists LoRA modules as models whose `parent` is the base model.
        return any(isinstance(m, dict) and m.get("parent") for m in entries)

    def _load_lora_ids(self) -> dict[str, int]:
        """Read llama-server's adapters and zero their global scales (upstream fault 1)."""
        if self._lora_ids is not None:
            return self._lora_ids
        data = self._request("GET", "/lora-adapters", retries=0).json()
        if not isinstance(data, list):
            raise BackendError("malformed", "GET /lora-adapters did not return a list", backend=self.name)
        ids: dict[str, int] = {}
        for entry in data:
            if isinstance(entry, dict) and isinstance(entry.get("id"), int):
                ids[adapter_stem(str(entry.get("path", entry["id"])))] = entry["id"]
        if ids:
            self._request("POST", "/lora-adapters",
                          json=[{"id": i, "scale": 0.0} for i in sorted(ids.values())])
        self._lora_ids = ids
        return ids

    def lora_adapters(self) -> dict[str, int]:
        """llama-server's adapters by name (file stem) -> id; empty on other servers."""
        return dict(self._load_lora_ids()) if self.detect_flavor() == "llama-server" else {}

    def _lora_list(self, adapter: str | None) -> list[dict]:
        ids = self._load_lora_ids()
        if adapter is not None:
            wanted = adapter_stem(adapter) if not adapter.isdigit() else adapter
            if wanted not in ids and not (adapter.isdigit() and int(adapter) in ids.values()):
                raise BackendError(
                    "missing_adapter", f"llama-server has no adapter {adapter!r} "
                    f"(it serves: {', '.join(sorted(ids)) or 'none'})",
                    hint=f"start llama-server with `--lora {adapter_stem(adapter)}.gguf` "
                         f"(see `triforce export ollama` for the files)", backend=self.name)
            chosen = ids.get(wanted, int(adapter) if adapter.isdigit() else -1)
        else:
            chosen = -1
        # Always the full list (upstream fault 2): unnamed adapters would keep a stale cache.
        return [{"id": i, "scale": self.lora_scale if i == chosen else 0.0}
                for i in sorted(ids.values())]

    # -- chat --------------------------------------------------------------------
    def _body(self, request: ChatRequest) -> dict:
        flavor = self.detect_flavor()
        body = {
            "model": request.model or "default",
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if request.seed is not None:
            body["seed"] = request.seed
        if flavor == "llama-server":
            body["lora"] = self._lora_list(request.adapter)
        elif request.adapter:
            if flavor == "vllm" or self._served_models is None or request.adapter in self._served_models:
                body["model"] = request.adapter     # vLLM: the LoRA module is the model
            else:
                raise BackendError(
                    "missing_adapter", f"{self.base_url} does not serve adapter {request.adapter!r}",
                    hint="serve it as a model (`triforce deploy vllm` prints the command) "
                         f"or set {self.config_key}.flavor", backend=self.name)
        body["stream_options"] = {"include_usage": True}
        extra = request.options.get("openai_extra")
        if isinstance(extra, dict):
            body.update(extra)
        return body

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        body = self._body(request)
        try:
            yield from self._chat_stream(body, request)
        except BackendError as exc:
            raise self._named(exc, body, request.adapter) from None

    def _chat_stream(self, body: dict, request: ChatRequest) -> Iterator[ChatChunk]:
        deadline = time.monotonic() + request.timeout
        finished = False
        usage: dict = {}
        model = body["model"]
        with self._stream("POST", "/v1/chat/completions", json=body, timeout=request.timeout) as response:
            for event in iter_sse(self._iter_bytes(response, deadline), self.name):
                if "error" in event:
                    err = event["error"]
                    message = err.get("message", err) if isinstance(err, dict) else err
                    raise BackendError("http", f"server error mid-stream: {message}",
                                       hint="check the server log", backend=self.name)
                if isinstance(event.get("usage"), dict):
                    usage = event["usage"]
                model = event.get("model") or model
                choices = event.get("choices")
                if not isinstance(choices, list):
                    raise BackendError("malformed", "event without a choices list", backend=self.name)
                for choice in choices:
                    delta = choice.get("delta") if isinstance(choice, dict) else None
                    if not isinstance(delta, dict):
                        raise BackendError("malformed", "choice without a delta", backend=self.name)
                    text = delta.get("content") or ""
                    if text:
                        yield ChatChunk(text=text, model=model, adapter=request.adapter,
                                        backend=self.name)
                    if choice.get("finish_reason"):
                        finished = True
        if not finished:
            raise BackendError("malformed", "stream ended without a finish_reason",
                               hint="the server stopped mid-reply; check its log",
                               backend=self.name, retryable=True)
        yield ChatChunk(done=True, prompt_tokens=usage.get("prompt_tokens"),
                        completion_tokens=usage.get("completion_tokens"), model=model,
                        adapter=request.adapter, backend=self.name)

    # -- optional protocol -------------------------------------------------------
    def list_models(self) -> list[str]:
        data = self._request("GET", "/v1/models").json()
        entries = data.get("data", []) if isinstance(data, dict) else []
        self._served_models = {m.get("id", "") for m in entries if isinstance(m, dict)}
        return sorted(self._served_models)

    def health(self) -> BackendHealth:
        try:
            models = self.list_models()
        except BackendError as exc:
            return BackendHealth(ok=False, detail=str(exc))
        return BackendHealth(ok=True, detail=f"{self.detect_flavor()} at {self.base_url}", models=models)

    def preload(self, model: str) -> None:
        """Servers here keep their model resident; reading the adapter table warms discovery."""
        self.detect_flavor()
