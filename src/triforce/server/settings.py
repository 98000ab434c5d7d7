"""Server settings: safe defaults, the ``[server]`` config section, bind checks.

Defaults are the safe ones: loopback only, no CORS, bounded bodies, tokens,
concurrency and time. Binding anywhere but loopback needs an API key, so a
typo in ``--host`` never exposes an unauthenticated model server.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, fields, replace

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
    request_timeout_s: float = 600.0     # a whole orchestration, model calls and checks included
    model_timeout_s: float | None = None  # per model call, passed to the orchestrator
    # Dashboard.
    dashboard_poll_ms: int = 2000
    recent_limit: int = 30
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_config(cls, section: dict | None, **overrides) -> ServerSettings:
        """Build from a ``[server]`` table; keyword overrides (CLI flags) win when not None."""
        known = {f.name for f in fields(cls)}
        values: dict = {}
        for key, value in (section or {}).items():
            key = key.replace("-", "_")
            if key in known and key != "extra":
                values[key] = value
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
        if "cors_origins" in values:
            origins = values["cors_origins"]
            values["cors_origins"] = (origins,) if isinstance(origins, str) else tuple(origins)
        return replace(cls(), **values)


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_settings(settings: ServerSettings) -> list[Diagnostic]:
    """Problems that must stop the server from starting (codes H0xx)."""
    span = SourceSpan("[server]")
    problems: list[Diagnostic] = []
    if not is_loopback(settings.host) and not settings.api_key:
        problems.append(error(
            "H001",
            f"refusing to listen on {settings.host!r} without an API key: pass --api-key "
            "(or set [server] api_key / TRIFORCE_API_KEY), or bind to 127.0.0.1",
            span,
        ))
    if settings.api_key is not None and len(settings.api_key) < 8:
        problems.append(error("H002", "the API key must be at least 8 characters", span))
    if not (0 <= int(settings.port) <= 65535):
        problems.append(error("H003", f"port {settings.port} is out of range", span))
    for name in ("max_body_bytes", "max_tokens", "per_client_concurrency", "worker_threads",
                 "max_messages", "max_connections"):
        if int(getattr(settings, name)) < 1:
            problems.append(error("H004", f"{name} must be at least 1", span))
    if float(settings.request_timeout_s) <= 0:
        problems.append(error("H004", "request_timeout_s must be positive", span))
    if "*" in settings.cors_origins and settings.api_key is None:
        problems.append(error(
            "H005", "CORS origin '*' needs an API key (any web page could use the server)", span))
    return problems
