"""triforce.server: the OpenAI- and Ollama-compatible HTTP API and the dashboard.

``create_app(settings, orchestrator=..., backend_factory=...)`` builds the ASGI
app; ``triforce serve`` runs it under uvicorn. Import is lazy-friendly: this
package pulls in FastAPI only when ``create_app`` is used.
"""

from __future__ import annotations


def create_app(*args, **kwargs):
    from triforce.server.app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["create_app"]
