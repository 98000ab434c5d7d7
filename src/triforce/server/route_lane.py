"""``POST /v1/route`` on a short path: the hot endpoint of a busy editor integration.

FastAPI's generic machinery (route matching over every endpoint, dependency
solving, response building) cost more than the keyword router itself, so
this pure-ASGI layer answers ``POST /v1/route`` before FastAPI sees it. It
sits inside :class:`~triforce.server.security.RequestGuard`, so the API key,
body limit and body timeout apply unchanged, and it validates with the same
:class:`RouteRequest` model and reports errors through the same codes and
formats as the rest of the API. FastAPI still declares the endpoint (the
OpenAPI description) and answers with this same :class:`RouteService` when
the lane is not installed.

The embedding router runs off the event loop (router threads, or router
processes when configured: :mod:`triforce.server.route_workers`); a
keyword-only router, a fraction of a millisecond of pure Python, routes a
short query inline (``Engine.route_async``). The decision is queued for the
statistics store's writer thread, never waited for.
"""

from __future__ import annotations

import email.message
import json
import logging
import time
from types import SimpleNamespace

from pydantic import ValidationError

from triforce.server.errors import ERROR_CODES, APIError, error_body, validation_problem
from triforce.server.schemas_common import RouteRequest

LOG = logging.getLogger("triforce.server")

ROUTE_PATH = "/v1/route"
JSON_HEADERS = [(b"content-type", b"application/json")]


def _dumps(payload) -> bytes:
    # What Starlette's JSONResponse writes, without building a Response object.
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")


class RouteService:
    """Validate, route, record, count: one ``/v1/route`` request, whoever serves it."""

    def __init__(self, engine, metrics):
        self.engine = engine
        self.metrics = metrics

    def parse(self, body: bytes, content_type: str | None) -> RouteRequest:
        """The body as FastAPI reads it: JSON only when declared as JSON (its strict
        content type: a cross-site ``text/plain`` form cannot post a query); raises
        APIError H100/H101 as the FastAPI endpoint's validation errors do."""
        if not body:
            raise APIError("H101", "field required")
        if content_type is None or not _is_json(content_type):
            raise APIError("H101", "send the query as JSON, with the header "
                                   "'Content-Type: application/json'")
        try:
            data = json.loads(body)
        except ValueError as exc:   # JSONDecodeError and undecodable bytes
            message = getattr(exc, "msg", None) or str(exc)
            raise APIError("H100", f"invalid JSON body: {message}") from None
        try:
            return RouteRequest.model_validate(data)
        except ValidationError as exc:
            code, message, param = validation_problem(exc.errors())
            raise APIError(code, message, param=param) from None

    async def answer(self, request: RouteRequest) -> dict:
        """Route off the event loop, queue the statistics row, count it."""
        started = time.perf_counter()
        result = await self.engine.route_async(request.query, top_k=request.top_k,
                                               previous_expert=request.previous_expert)
        if request.record:
            self.engine.record_route(result, conversation_id=request.conversation_id)
        self.metrics.observe_route(time.perf_counter() - started)
        return result


def _is_json(content_type: str) -> bool:
    if content_type == "application/json":   # nearly every client: skip the parser
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


class RouteLane:
    """ASGI middleware answering ``POST /v1/route``; everything else passes through."""

    def __init__(self, app, *, service: RouteService):
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope.get("path") != ROUTE_PATH
                or scope.get("method") != "POST"):
            await self.app(scope, receive, send)
            return
        service = self.service
        content_type = None
        for key, value in scope.get("headers", ()):
            if key.lower() == b"content-type":
                content_type = value.decode("latin-1")
        body = await _read_body(receive)
        if body is None:
            return   # the client went away
        try:
            result = await service.answer(service.parse(body, content_type))
            status, payload, headers = 200, _dumps(result), JSON_HEADERS
        except APIError as exc:
            service.metrics.observe_error(exc.code)
            status = exc.status
            payload = _dumps(error_body(ROUTE_PATH, exc.code, exc.message, exc.param))
            headers = [*JSON_HEADERS, (b"x-triforce-error", exc.code.encode())]
        except Exception as exc:   # the client sees a stable code, the log the rest
            LOG.error("internal error on POST %s", ROUTE_PATH, exc_info=exc)
            service.metrics.observe_error("H112")
            status = ERROR_CODES["H112"][0]
            payload = _dumps(error_body(ROUTE_PATH, "H112", "internal server error"))
            headers = [*JSON_HEADERS, (b"x-triforce-error", b"H112")]
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


async def _read_body(receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def decision_from_dict(result: dict) -> SimpleNamespace:
    """A decision that crossed a process boundary as ``to_dict()``: enough for the store."""
    return SimpleNamespace(query=result.get("query", ""), intents=result["intents"],
                           experts=result["experts"], confidence=result["confidence"],
                           scores=result.get("scores", {}), path=result.get("path", ""),
                           latency_ms=result.get("latency_ms", 0.0))

