"""Is there an Ollama, and which models does it have? Answered without httpx.

The automatic backend choice asks this on every cold start, usually of a
machine with no Ollama at all, so it uses the standard library's
``http.client`` (cheap to import) with a short connect timeout. Also home of
Ollama's address convention (``OLLAMA_HOST``) and model-name normalisation,
which the ollama backend shares.
"""

from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlsplit

DEFAULT_URL = "http://127.0.0.1:11434"


def default_ollama_url() -> str:
    """Ollama's own convention: ``OLLAMA_HOST`` (host[:port] or URL), else 127.0.0.1:11434."""
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if not host:
        return DEFAULT_URL
    if "://" not in host:
        host = f"http://{host}"
    scheme, _, rest = host.partition("://")
    netloc = rest.split("/")[0]
    if ":" not in netloc:
        netloc += ":11434"
    return f"{scheme}://{netloc}"


def normalize_model(name: str) -> str:
    """``qwen2.5-coder`` and ``qwen2.5-coder:latest`` are the same Ollama model."""
    name = name.strip()
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class ProbeError(Exception):
    """No Ollama answered; ``kind`` is ``unreachable``, ``timeout`` or ``malformed``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def probe_tags(base_url: str, *, connect_timeout: float = 0.25, timeout: float = 1.0) -> list[str]:
    """Model names from ``GET /api/tags``; raises ProbeError when nothing usable answers."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProbeError("unreachable", f"not an http URL: {base_url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, port, timeout=connect_timeout)
    try:
        conn.connect()
        conn.sock.settimeout(timeout)
        conn.request("GET", "/api/tags", headers={"Accept": "application/json"})
        response = conn.getresponse()
        body = response.read(4 * 1024 * 1024)
    except TimeoutError:
        raise ProbeError("timeout", f"{base_url} did not answer in time") from None
    except (OSError, http.client.HTTPException) as exc:
        raise ProbeError("unreachable", f"cannot reach {base_url} ({exc})") from None
    finally:
        conn.close()
    if response.status != 200:
        raise ProbeError("malformed", f"{base_url}/api/tags answered HTTP {response.status}")
    try:
        data = json.loads(body)
        models = data["models"]
        return [str(m.get("name") or m.get("model")) for m in models]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ProbeError("malformed", f"{base_url}/api/tags is not Ollama's answer") from None
