"""The client's sampling choices (max tokens, temperature, stop, seed) reach the model,
through both APIs, capped by the server's limit."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.server.harness import start_server
from triforce.backends.mock import MockBackend


@pytest.fixture(scope="module")
def recording_server(tmp_path_factory):
    from triforce.config import Config
    from triforce.orchestrator import Orchestrator
    from triforce.server.settings import ServerSettings
    from triforce.store import Store

    seen = []

    def factory(expert, request):
        backend = MockBackend("plain words, no code")
        seen.append(backend)
        return backend

    tmp = tmp_path_factory.mktemp("sampling")
    orchestrator = Orchestrator(config=Config(), store=Store(tmp / "s.db"), router=None,
                                backend_factory=factory)
    server = start_server(tmp, settings=ServerSettings(port=0), orchestrator=orchestrator)
    server.extra["seen"] = seen
    yield server
    server.stop()


def _last_request(server):
    requests = [r for backend in server.extra["seen"] for r in backend.requests]
    assert requests, "the model was never called"
    return requests[-1]


def test_openai_sampling_reaches_the_model(recording_server):
    with openai.OpenAI(base_url=recording_server.url + "/v1", api_key="x", max_retries=0) as c:
        c.chat.completions.create(model="triforce/nayru", max_tokens=77, temperature=0.9,
                                  stop=["END"], seed=5,
                                  messages=[{"role": "user", "content": "write a joypad reader"}])
    sent = _last_request(recording_server)
    assert (sent.max_tokens, sent.temperature, sent.stop, sent.seed) == (77, 0.9, ["END"], 5)


def test_ollama_options_reach_the_model(recording_server):
    body = {"model": "triforce/nayru", "stream": False,
            "messages": [{"role": "user", "content": "write a joypad reader"}],
            "options": {"num_predict": 33, "temperature": 0.1, "stop": ["X"], "seed": 9}}
    reply = httpx.post(recording_server.url + "/api/chat", json=body, timeout=30)
    assert reply.status_code == 200
    sent = _last_request(recording_server)
    assert (sent.max_tokens, sent.temperature, sent.stop, sent.seed) == (33, 0.1, ["X"], 9)
