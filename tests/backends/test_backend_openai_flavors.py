"""The openai backend's server flavors (vLLM, plain) through httpx's in-process transport.

The llama-server flavor runs against a real llama-server in
test_backend_llama_server.py; these cover the vLLM rule (the adapter is the
model name) and the error mapping, with replies shaped like vLLM's.
"""

from __future__ import annotations

import json

import httpx
import pytest

from triforce.backends.base import BackendError, ChatMessage, ChatRequest, collect
from triforce.backends.openai_compat import OpenAIBackend, adapter_stem

BASE = "Qwen/Qwen2.5-Coder-7B-Instruct"


def _sse(events: list[dict], done: bool = True) -> bytes:
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    return (body + ("data: [DONE]\n\n" if done else "")).encode()


class VllmLike:
    """Answers like `vllm serve BASE --enable-lora --lora-modules din=...`."""

    def __init__(self, adapters=("din", "nayru"), finish=True, api_key=None):
        self.adapters = adapters
        self.finish = finish
        self.api_key = api_key
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return httpx.Response(401, json={"error": {"message": "invalid api key"}})
        if request.url.path == "/lora-adapters":
            return httpx.Response(404, json={"detail": "Not Found"})
        if request.url.path == "/v1/models":
            models = [{"id": BASE, "object": "model", "root": BASE, "parent": None}]
            models += [{"id": a, "object": "model", "root": f"/a/{a}", "parent": BASE} for a in self.adapters]
            return httpx.Response(200, json={"object": "list", "data": models})
        body = json.loads(request.content)
        self.bodies.append(body)
        if body["model"] not in (BASE, *self.adapters):
            return httpx.Response(404, json={"object": "error", "type": "NotFoundError", "code": 404,
                                             "message": f"The model `{body['model']}` does not exist."})
        events = [{"id": "c1", "model": body["model"], "choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
        events += [{"id": "c1", "model": body["model"], "choices": [{"index": 0, "delta": {"content": w}}]}
                   for w in (f"[{body['model']}]", " ok")]
        if self.finish:
            events.append({"id": "c1", "model": body["model"],
                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            events.append({"id": "c1", "model": body["model"], "choices": [],
                           "usage": {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13}})
        return httpx.Response(200, content=_sse(events, done=self.finish),
                              headers={"content-type": "text/event-stream"})


def _backend(server, **kw) -> OpenAIBackend:
    return OpenAIBackend("http://vllm.test:8000/v1", transport=httpx.MockTransport(server), **kw)


def _request(adapter=None) -> ChatRequest:
    return ChatRequest([ChatMessage("user", "hi")], model=BASE, adapter=adapter)


def test_vllm_adapter_is_the_model_name():
    server = VllmLike()
    with _backend(server) as backend:
        text, final = collect(backend.chat(_request("nayru")))
        assert backend.flavor == "vllm"
    assert text == "[nayru] ok" and final.adapter == "nayru"
    assert (final.prompt_tokens, final.completion_tokens) == (11, 2)
    assert server.bodies[0]["model"] == "nayru" and "lora" not in server.bodies[0]
    assert server.bodies[0]["stream"] is True and server.bodies[0]["stream_options"] == {"include_usage": True}


def test_vllm_base_model_without_adapter():
    server = VllmLike()
    with _backend(server) as backend:
        text, _ = collect(backend.chat(_request()))
    assert text == f"[{BASE}] ok"


def test_vllm_unknown_adapter_says_how_to_serve_it():
    with _backend(VllmLike(), flavor="vllm") as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("veran")))
    assert info.value.kind == "missing_adapter" and "triforce deploy vllm" in info.value.hint


def test_plain_server_refuses_adapters_before_sending():
    server = VllmLike(adapters=())
    with _backend(server) as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("din")))
        assert backend.flavor == "plain"
    assert info.value.kind == "missing_adapter" and server.bodies == []


def test_api_key_is_sent_and_refusal_names_the_config_key():
    with _backend(VllmLike(api_key="s3cret"), api_key="s3cret") as backend:
        text, _ = collect(backend.chat(_request("din")))
        assert text == "[din] ok"
    with _backend(VllmLike(api_key="s3cret"), api_key="wrong", flavor="vllm") as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("din")))
    assert info.value.kind == "config" and "backends.openai.api_key" in info.value.hint


def test_stream_cut_before_finish_is_malformed():
    with _backend(VllmLike(finish=False), flavor="vllm") as backend:
        with pytest.raises(BackendError) as info:
            collect(backend.chat(_request("din")))
    assert info.value.kind == "malformed"


def test_unknown_flavor_is_a_config_error():
    with pytest.raises(BackendError) as info:
        OpenAIBackend("http://x", flavor="tgi")
    assert info.value.kind == "config"


def test_adapter_stem():
    assert adapter_stem("/models/din.gguf") == "din"
    assert adapter_stem("nayru-lora-f16.gguf") == "nayru"
    assert adapter_stem("veran-lora.gguf") == "veran"
