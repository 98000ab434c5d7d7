"""The app factory: ``create_app(settings, orchestrator=..., backend_factory=...)``.

Everything mutable (the engine and its thread pool, metrics, the per-client
limiter) lives on ``app.state`` of the app it belongs to, so tests can run
several servers in one process.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from triforce import __version__
from triforce.diagnostics import Diagnostic, has_errors
from triforce.server import dashboard, routes_misc, routes_ollama, routes_openai
from triforce.server.engine import Engine
from triforce.server.errors import install_error_handlers
from triforce.server.metrics import Metrics
from triforce.server.route_lane import RouteLane, RouteService
from triforce.server.schemas_ollama import OllamaChatResponse, OllamaGenerateResponse
from triforce.server.schemas_openai import ChatCompletionChunk
from triforce.server.security import PUBLIC_PATHS, ClientLimiter, RequestGuard
from triforce.server.settings import ServerSettings, check_settings

DESCRIPTION = """\
Triforce: a mixture-of-experts assistant for SNES 65816 assembly, with every
line of model-written code checked by a real toolchain.

* OpenAI-compatible: `POST /v1/chat/completions` (SSE when `stream` is true),
  `GET /v1/models`. Model `triforce` routes automatically, `triforce/<expert>`
  forces one expert. Responses carry the route and verification results in
  the extra `triforce` field.
* Ollama-compatible: `POST /api/chat`, `POST /api/generate` (NDJSON streaming by
  default), `GET /api/tags`, `GET /api/ps`, `POST /api/show`.
* `POST /v1/route`, `GET /health`, `GET /metrics` (Prometheus), `GET /v1/stats`,
  `GET /v1/requests`, and the dashboard at `/`.

When the server has an API key, every endpoint but `/`, `/health` and
`/openapi.json` needs `Authorization: Bearer <key>` (else 401). Limits: a body
over the size limit is refused with 413, one that does not arrive in time with
408; `max_tokens` / `num_predict` over the server's limit with 400; more
concurrent requests from one client than allowed with 429; a request past the
server's time limit ends with 504. Errors use each API's own format (OpenAI:
`{"error": {"message", "type", "param", "code"}}` with a stable `H1xx` code;
Ollama: `{"error": "..."}`) and carry the code in `X-Triforce-Error`.
"""

#: Models that describe one streamed line; listed in the components for clients.
STREAM_MODELS = (ChatCompletionChunk, OllamaChatResponse, OllamaGenerateResponse)


class ServerConfigError(Exception):
    """Settings the server refuses to start with; ``diagnostics`` says why."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def create_app(settings: ServerSettings | None = None, *, orchestrator=None,
               backend_factory=None, store=None, router=None, experts=None,
               config=None) -> FastAPI:
    """Build the ASGI app. Components not given are built from the config, like
    ``triforce ask`` does; ``backend_factory`` is handed to the orchestrator."""
    settings = settings or ServerSettings()
    problems = check_settings(settings)
    if has_errors(problems):
        raise ServerConfigError(problems)
    engine = Engine.build(settings, orchestrator=orchestrator, backend_factory=backend_factory,
                          store=store, router=router, experts=experts, config=config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.engine.close()

    app = FastAPI(title="Triforce", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.engine = engine
    app.state.metrics = Metrics()
    app.state.limiter = ClientLimiter(settings.per_client_concurrency)
    app.state.recent_models = {}
    install_error_handlers(app)
    for module in (routes_openai, routes_ollama, routes_misc, dashboard):
        app.include_router(module.router)

    app.state.route_service = RouteService(engine, app.state.metrics)
    # Inside the guard (added after it = further out): key, body limit and timeout apply.
    app.add_middleware(RouteLane, service=app.state.route_service)
    app.add_middleware(RequestGuard, api_key=settings.api_key,
                       max_body_bytes=settings.max_body_bytes,
                       body_timeout_s=settings.body_timeout_s,
                       on_error=app.state.metrics.observe_error)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "OPTIONS"],
                           allow_headers=["Authorization", "Content-Type"],
                           allow_credentials=False)
    app.openapi = lambda: _openapi(app)
    return app


def _openapi(app: FastAPI) -> dict:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    # Validation errors are answered with 400 in each API's format, never 422.
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    for model in STREAM_MODELS:
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, nested in definition.pop("$defs", {}).items():
            components.setdefault(name, nested)
        components.setdefault(model.__name__, definition)
    _document_limits(components, app.state.engine.settings)
    if app.state.engine.settings.api_key:
        components_root = schema["components"]
        components_root["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        schema["security"] = [{"bearer": []}]
        for path, operations in schema.get("paths", {}).items():
            if path in PUBLIC_PATHS:   # readable without the key (see security.py)
                for operation in operations.values():
                    operation["security"] = []
    app.openapi_schema = schema
    return schema


def _document_limits(components: dict, settings: ServerSettings) -> None:
    """Write this server's configured limits into the request schemas, so the
    description promises exactly what the server accepts."""
    limits = [("ChatCompletionRequest", "max_tokens", "integer", "maximum", settings.max_tokens),
              ("ChatCompletionRequest", "max_completion_tokens", "integer", "maximum",
               settings.max_tokens),
              ("ChatCompletionRequest", "messages", "array", "maxItems", settings.max_messages),
              ("OllamaChatRequest", "messages", "array", "maxItems", settings.max_messages),
              ("OllamaOptions", "num_predict", "integer", "maximum", settings.max_tokens)]
    for model, field_name, kind, keyword, value in limits:
        prop = components.get(model, {}).get("properties", {}).get(field_name)
        if prop is None:
            continue
        for branch in prop.get("anyOf", [prop]):
            if branch.get("type") == kind:
                branch[keyword] = int(value)
