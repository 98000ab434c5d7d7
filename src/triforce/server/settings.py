"""Server settings: safe defaults, the ``[server]`` config section, bind checks.

Defaults are the safe ones: loopback only, no CORS, bounded bodies, tokens,
concurrency and time. Binding anywhere but loopback needs an API key, so a
typo in ``--host`` never exposes an unauthenticated model server.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields, replace

from triforce.diagnostics import Diagnostic, SourceSpan, error

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ServerSettings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    api_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    # Orchestration defaults for every request (None: the orchestrator's config).
    backend: str | None = None
    base_url: str | None = None
    model: str | None = None
    tier: str | None = None
    # Limits.
    max_body_bytes: int = 2 * 1024 * 1024
    max_tokens: int = 8192
    max_messages: int = 256
    per_client_concurrency: int = 8
    max_connections: int = 256           # open connections uvicorn accepts before answering 503
    worker_threads: int = 32
    # /v1/route: router threads (the encoder's matrix products release the GIL), and
    # optionally router processes forked at startup (see server/route_workers.py).
    route_threads: int = 4
    route_processes: int = 0
    request_timeout_s: float = 600.0     # a whole orchestration, model calls and checks included
    body_timeout_s: float = 30.0         # to receive a request body
    model_timeout_s: float | None = None  # per model call, passed to the orchestrator
    # Dashboard.
    dashboard_poll_ms: int = 2000

    @classmethod
    def from_config(cls, section: dict | None, **overrides) -> ServerSettings:
        """Build from a ``[server]`` table; keyword overrides (CLI flags) win when not None."""
        known = {f.name for f in fields(cls)}
        values: dict = {}
        for key, value in (section or {}).items():
            key = key.replace("-", "_")
            if key in known:
                values[key] = value
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
        if "cors_origins" in values:
            origins = values["cors_origins"]
            if isinstance(origins, str):
                values["cors_origins"] = (origins,)
            elif isinstance(origins, (list, tuple)):
                values["cors_origins"] = tuple(origins)
        return replace(cls(), **values)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_TYPES = {"host": str, "port": int, "api_key": (str, type(None)), "cors_origins": tuple,
          "backend": (str, type(None)), "base_url": (str, type(None)),
          "model": (str, type(None)), "tier": (str, type(None)), "max_body_bytes": int,
          "max_tokens": int, "max_messages": int, "per_client_concurrency": int,
          "max_connections": int, "worker_threads": int, "route_threads": int,
          "route_processes": int, "request_timeout_s": (int, float),
          "body_timeout_s": (int, float), "model_timeout_s": (int, float, type(None)),
          "dashboard_poll_ms": int}


def _type_problems(settings: ServerSettings, span: SourceSpan) -> list[Diagnostic]:
    problems = []
    for name, kind in _TYPES.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, kind) or (
                name == "cors_origins" and not all(isinstance(o, str) for o in value)):
            problems.append(error("H006", f"{name} = {value!r} has the wrong type", span))
    return problems


def check_settings(settings: ServerSettings) -> list[Diagnostic]:
    """Problems that must stop the server from starting (codes H0xx)."""
    span = SourceSpan("[server]")
    problems = _type_problems(settings, span)
    if problems:   # the checks below compare numbers; they need the right types
        return problems
    if not is_loopback(settings.host) and not settings.api_key:
        problems.append(error(
            "H001",
            f"refusing to listen on {settings.host!r} without an API key: pass --api-key "
            "(or set [server] api_key / TRIFORCE_API_KEY), or bind to 127.0.0.1",
            span,
        ))
    if settings.api_key is not None and len(settings.api_key) < 8:
        problems.append(error("H002", "the API key must be at least 8 characters", span))
    if not (0 <= settings.port <= 65535):
        problems.append(error("H003", f"port {settings.port} is out of range", span))
    for name in ("max_body_bytes", "max_tokens", "per_client_concurrency", "worker_threads",
                 "route_threads", "max_messages", "max_connections", "dashboard_poll_ms"):
        if getattr(settings, name) < 1:
            problems.append(error("H004", f"{name} must be at least 1", span))
    if settings.route_processes < 0:
        problems.append(error("H004", "route_processes must be 0 or more", span))
    for name in ("request_timeout_s", "body_timeout_s"):
        if getattr(settings, name) <= 0:
            problems.append(error("H004", f"{name} must be positive", span))
    if settings.model_timeout_s is not None and settings.model_timeout_s <= 0:
        problems.append(error("H004", "model_timeout_s must be positive", span))
    if "*" in settings.cors_origins and settings.api_key is None:
        problems.append(error(
            "H005", "CORS origin '*' needs an API key (any web page could use the server)", span))
    return problems
