"""The dashboard at ``/``: one HTML page and its script, both shipped in the package.

Charts are drawn by the page's own script as inline SVG from ``/v1/stats``
and ``/v1/requests`` (polled), so the page needs no network and no CDN. The
content security policy allows nothing but this server.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from triforce.server.errors import APIError

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@router.api_route("/", methods=["GET", "HEAD"])   # HEAD /: Ollama clients' "is it up?"
async def page(request: Request):
    html = (STATIC_DIR / "dashboard.html").read_text(encoding="utf-8")
    poll_ms = int(request.app.state.engine.settings.dashboard_poll_ms)
    html = html.replace("{{POLL_MS}}", str(poll_ms))
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/static/{name}")
async def asset(name: str):
    if name not in ASSETS:   # a fixed list: no path from the client ever reaches the disk
        raise APIError("H105", f"no such dashboard file: {name}")
    body = (STATIC_DIR / name).read_bytes()
    return Response(body, media_type=ASSETS[name], headers=SECURITY_HEADERS)


@router.get("/favicon.ico")
async def favicon():
    return Response(status_code=204)
