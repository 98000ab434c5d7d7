"""Request guards: Bearer auth, the body size limit, per-client concurrency.

The guard is plain ASGI (not ``BaseHTTPMiddleware``) so that streaming
responses pass through untouched and a client's disconnect still reaches the
endpoint. It reads the body itself, up to the limit, and replays it to the
app: a chunked upload without ``Content-Length`` is bounded too.
"""

from __future__ import annotations

import asyncio
import hmac

from triforce.server.errors import error_bytes

#: Paths anyone may read even when an API key is set: the dashboard shell
#: (it asks for the key before reading data), liveness, the API description.
PUBLIC_PATHS = frozenset({"/", "/health", "/openapi.json", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)

#: A rejected upload is drained up to this much so that the client reads the
#: 413 instead of a reset connection; past it the connection is just closed.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024


def bearer_matches(header_value: str | None, api_key: str) -> bool:
    if not header_value:
        return False
    scheme, _, token = header_value.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), api_key.encode())


class RequestGuard:
    """ASGI middleware: 401 without the key, 413 past ``max_body_bytes``."""

    def __init__(self, app, *, api_key: str | None, max_body_bytes: int,
                 body_timeout_s: float = 30.0, on_error=None):
        self.app = app
        self.api_key = api_key
        self.max_body_bytes = int(max_body_bytes)
        self.body_timeout_s = float(body_timeout_s)
        self.on_error = on_error or (lambda code: None)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if self.api_key and not self._is_public(path) and scope.get("method") != "OPTIONS":
            auth = headers.get(b"authorization", b"").decode("latin-1")
            if not bearer_matches(auth, self.api_key):
                self.on_error("H108")
                await _send_error(send, path, 401, "H108", "missing or invalid API key "
                                  "(send 'Authorization: Bearer <key>')",
                                  extra_headers=[(b"www-authenticate", b"Bearer")])
                return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                declared_len = int(declared)
            except ValueError:
                self.on_error("H100")
                await _send_error(send, path, 400, "H100", "invalid Content-Length header")
                return
            if declared_len > self.max_body_bytes:
                await self._reject_large(path, receive, send, declared_len)
                return
        body = bytearray()
        more = True
        too_large = False
        try:   # a client that trickles its body must not hold a connection forever
            async with _deadline(self.body_timeout_s):
                while more and not too_large:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
                    too_large = len(body) > self.max_body_bytes
        except TimeoutError:
            self.on_error("H115")
            await _send_error(send, path, 408, "H115", "the request body did not arrive "
                              f"within {self.body_timeout_s:g} s",
                              extra_headers=[(b"connection", b"close")])
            return
        if too_large:
            await self._reject_large(path, receive, send, None, drained=len(body), more=more)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    @staticmethod
    def _is_public(path: str) -> bool:
        return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)

    async def _reject_large(self, path, receive, send, declared, drained=0, more=True):
        self.on_error("H107")
        if declared is None or declared <= DRAIN_LIMIT_BYTES:
            while more and drained <= DRAIN_LIMIT_BYTES:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                drained += len(message.get("body", b""))
                more = message.get("more_body", False)
        await _send_error(send, path, 413, "H107",
                          f"request body larger than {self.max_body_bytes} bytes",
                          extra_headers=[(b"connection", b"close")])


def _deadline(seconds: float):
    """``asyncio.timeout`` (3.11+: one timer for the whole body, cheaper than a
    ``wait_for`` task per message); on 3.10 a ``wait_for`` around the same loop."""
    timeout = getattr(asyncio, "timeout", None)
    if timeout is not None:
        return timeout(seconds)
    return _WaitForDeadline(seconds)


class _WaitForDeadline:
    """Python 3.10: cancel the reading task when the deadline passes."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self.handle = None

    async def __aenter__(self):
        task = asyncio.current_task()

        def expire():
            self.expired = True
            task.cancel()

        self.handle = asyncio.get_running_loop().call_later(self.seconds, expire)
        return self

    async def __aexit__(self, kind, exc, tb):
        self.handle.cancel()
        if self.expired and kind is asyncio.CancelledError:
            raise TimeoutError
        return False


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()   # later calls: wait for the client's disconnect

    return replay


async def _send_error(send, path, status, code, message, extra_headers=()):
    payload = error_bytes(path, code, message)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-triforce-error", code.encode()), *extra_headers],
    })
    await send({"type": "http.response.body", "body": payload})


class ClientLimiter:
    """Counts in-flight orchestrations per client; used from the event loop only."""

    def __init__(self, per_client: int):
        self.per_client = int(per_client)
        self._active: dict[str, int] = {}

    def try_acquire(self, client: str) -> bool:
        count = self._active.get(client, 0)
        if count >= self.per_client:
            return False
        self._active[client] = count + 1
        return True

    def release(self, client: str) -> None:
        count = self._active.get(client, 0) - 1
        if count <= 0:
            self._active.pop(client, None)
        else:
            self._active[client] = count

    def active(self) -> int:
        return sum(self._active.values())
