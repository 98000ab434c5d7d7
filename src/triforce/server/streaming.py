"""Streaming responses that always close their source.

Starlette stops iterating when the client disconnects but leaves closing the
async generator to the garbage collector; here the generator is closed right
away, so its ``finally`` blocks (which cancel the orchestration) run at once.
"""

from __future__ import annotations

import json

from starlette.responses import StreamingResponse

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ClosingStreamingResponse(StreamingResponse):
    """``on_close()`` runs last, whatever happened: even when the client left
    before the first byte and the generator never started."""

    def __init__(self, content, *, on_close=None, **kwargs):
        super().__init__(content, **kwargs)
        self.on_close = on_close

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except OSError:
            pass   # the client went away while we were writing: nothing to report to it
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()
            if self.on_close is not None:
                self.on_close()


def sse_line(payload: dict | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n"


def ndjson_line(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":")) + "\n"
