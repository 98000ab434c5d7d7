"""The API against its own OpenAPI description: schemathesis generates requests (valid
and invalid) for every operation, in-process against the ASGI app, and checks status
codes, content types and response bodies against the description."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.server.harness import make_factory, real_router
from triforce.config import Config

schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[test]'")

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from triforce.orchestrator import Orchestrator
    from triforce.server.app import create_app
    from triforce.server.settings import ServerSettings
    from triforce.store import Store

    store = Store(tmp_path_factory.mktemp("contract") / "contract.db")
    config = Config()
    orchestrator = Orchestrator(config=config, store=store, router=real_router(),
                                backend_factory=make_factory(chunk_size=64))
    # A small max_tokens limit so generated integers hit both sides of it.
    app = create_app(ServerSettings(max_tokens=4096, per_client_concurrency=64), store=store,
                     orchestrator=orchestrator, config=config)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


#: Schema-valid requests the server may still refuse, by Triforce error code: the
#: conversation has no user message to answer (H103), or uses a content part
#: Triforce cannot read (H114). Anything else valid must be accepted.
SEMANTIC_REJECTIONS = {"H103", "H114"}


def valid_data_is_accepted(ctx, response, case):
    """positive_data_acceptance, except for the documented semantic refusals."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return
    code = response.headers.get("x-triforce-error")
    code = code[0] if isinstance(code, list) else code
    assert code in SEMANTIC_REJECTIONS, f"valid request refused with {code}: {response.text[:300]} {case.body!r:.600}"
    return


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_description(case):
    from schemathesis.checks import positive_data_acceptance

    response = case.call_and_validate(excluded_checks=[positive_data_acceptance],
                                      additional_checks=[valid_data_is_accepted])
    assert "Traceback" not in response.text


def test_openapi_describes_both_apis(api_schema):
    raw = api_schema.raw_schema
    paths = raw["paths"]
    for path in ("/v1/chat/completions", "/v1/models", "/api/chat", "/api/generate", "/api/tags",
                 "/api/ps", "/v1/route", "/health", "/metrics"):
        assert path in paths, path
    chat = paths["/v1/chat/completions"]["post"]
    assert "text/event-stream" in chat["responses"]["200"]["content"]
    assert chat["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/OpenAIError")
    ollama = paths["/api/chat"]["post"]["responses"]
    assert ollama["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/OllamaError")
    components = raw["components"]["schemas"]
    assert {"ChatCompletion", "ChatCompletionChunk", "TriforceInfo", "OllamaChatResponse"} <= set(components)
    assert all("422" not in op["responses"] for ops in paths.values() for op in ops.values())


def test_openapi_declares_bearer_auth_and_the_servers_limits(tmp_path):
    from triforce.server.app import create_app
    from triforce.server.settings import ServerSettings
    from triforce.store import Store

    app = create_app(ServerSettings(api_key="contract-key-1", max_tokens=512, max_messages=7),
                     store=Store(tmp_path / "s.db"), config=Config(),
                     orchestrator=None, backend_factory=make_factory())
    raw = app.openapi()
    assert raw["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert raw["security"] == [{"bearer": []}]
    assert raw["paths"]["/health"]["get"]["security"] == []
    request = raw["components"]["schemas"]["ChatCompletionRequest"]["properties"]
    assert {"type": "integer", "minimum": 1, "maximum": 512} in request["max_tokens"]["anyOf"]
    assert request["messages"]["maxItems"] == 7
