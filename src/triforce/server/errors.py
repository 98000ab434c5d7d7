"""Errors in each API's own format, never a traceback or an internal path.

OpenAI clients expect ``{"error": {"message", "type", "param", "code"}}``;
Ollama clients expect ``{"error": "..."}``. Which one a response uses follows
from the path: ``/api/...`` is Ollama's namespace, everything else speaks the
OpenAI shape. Every error carries a stable Triforce code (``H1xx``) in
``code`` (OpenAI) or an ``X-Triforce-Error`` header (both).
"""

from __future__ import annotations

import json
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

LOG = logging.getLogger("triforce.server")

#: (status, OpenAI error type) per Triforce error code.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "H100": (400, "invalid_request_error"),   # malformed JSON
    "H101": (400, "invalid_request_error"),   # schema / type error
    "H102": (400, "invalid_request_error"),   # max_tokens over the limit
    "H103": (400, "invalid_request_error"),   # no user message / empty prompt
    "H104": (404, "invalid_request_error"),   # unknown model
    "H105": (404, "invalid_request_error"),   # unknown path
    "H106": (405, "invalid_request_error"),   # wrong method
    "H107": (413, "invalid_request_error"),   # body too large
    "H108": (401, "authentication_error"),    # missing / wrong API key
    "H109": (429, "rate_limit_error"),        # per-client concurrency limit
    "H110": (504, "timeout_error"),           # orchestration timeout
    "H111": (502, "backend_error"),           # every backend failed
    "H112": (500, "server_error"),            # internal error
    "H113": (503, "server_error"),            # shutting down / overloaded
    "H114": (400, "invalid_request_error"),   # unsupported feature (n > 1, tools, images)
    "H115": (408, "invalid_request_error"),   # the body did not arrive in time
}


# A filesystem path (two or more segments) that is not part of a URL.
_PATH = re.compile(r"(?<![\w:/.~-])(?:/[^\s/:'\",;()\[\]]+){2,}/?")


def scrub_paths(text: str) -> str:
    """Hide server-side file paths in a message that came from the library."""
    return _PATH.sub("<path>", text)


class ClientGone(Exception):
    """The client disconnected while waiting for a non-streaming answer."""


class APIError(Exception):
    """Raised by route code; rendered by :func:`error_response`."""

    def __init__(self, code: str, message: str, *, param: str | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param
        self.status = status or ERROR_CODES[code][0]


def is_ollama_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def error_body(path: str, code: str, message: str, param: str | None = None) -> dict:
    if is_ollama_path(path):
        return {"error": message}
    return {"error": {"message": message, "type": ERROR_CODES[code][1], "param": param,
                      "code": code}}


def error_response(path: str, code: str, message: str, *, param: str | None = None,
                   status: int | None = None, headers: dict | None = None) -> Response:
    status = status or ERROR_CODES[code][0]
    all_headers = {"X-Triforce-Error": code, **(headers or {})}
    return JSONResponse(error_body(path, code, message, param), status_code=status,
                        headers=all_headers)


def error_bytes(path: str, code: str, message: str, param: str | None = None) -> bytes:
    """The error body alone, for pure-ASGI middleware and for mid-stream errors."""
    return json.dumps(error_body(path, code, message, param)).encode()


def _validation_message(exc: RequestValidationError) -> tuple[str, str, str | None]:
    return validation_problem(exc.errors())


def validation_problem(errors) -> tuple[str, str, str | None]:
    """``(code, message, param)`` for pydantic/FastAPI validation errors: H100 for
    JSON that does not parse, H101 for the first schema problem (and how many more)."""
    first = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    if kind == "json_invalid":
        detail = first.get("ctx", {}).get("error", "")
        return "H100", f"invalid JSON body{': ' + str(detail) if detail else ''}", None
    message = str(first.get("msg", "invalid request"))
    if kind == "missing":
        message = "field required"
    text = f"{param}: {message}" if param else message
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return "H101", text, param


def _count(request: Request, code: str) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.observe_error(code)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError):
        _count(request, exc.code)
        return error_response(request.url.path, exc.code, exc.message, param=exc.param,
                              status=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        code, message, param = _validation_message(exc)
        _count(request, code)
        return error_response(request.url.path, code, message, param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            code, message = "H105", f"no such endpoint: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            code, message = "H106", f"method {request.method} not allowed on {request.url.path}"
        else:
            code, message = "H101", str(exc.detail)
        _count(request, code)
        return error_response(request.url.path, code, message, status=exc.status_code,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(ClientGone)
    async def _gone(request: Request, exc: ClientGone):
        # Nobody reads this: the connection is closed. 499 as nginx logs it.
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        # The traceback goes to the server log only; the client sees a stable code.
        LOG.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        _count(request, "H112")
        return error_response(request.url.path, "H112", "internal server error")
