"""Incremental parsers for the two streaming formats model servers speak.

* NDJSON (Ollama): one JSON object per ``\\n``-terminated line.
* Server-sent events (OpenAI-compatible servers): ``data: ...`` fields,
  events separated by a blank line, ``data: [DONE]`` at the end.

Both take an iterator of raw byte chunks (as a socket delivers them: lines may
be split anywhere, even inside a multi-byte UTF-8 character) and yield parsed
objects. Anything that is not the format raises ``BackendError(kind="malformed")``
naming the backend, so a broken proxy or a server dying mid-line gives one clear
message instead of a JSON traceback.
"""

from __future__ import annotations

import codecs
import json
from typing import Iterable, Iterator

from triforce.backends.base import BackendError

MAX_LINE = 8 * 1024 * 1024   # a single event larger than this is not a chat stream


def _lines(chunks: Iterable[bytes], backend: str) -> Iterator[str]:
    """Split a byte stream into text lines (without terminators), decoding UTF-8 safely."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    pending = ""
    try:
        for chunk in chunks:
            if not chunk:
                continue
            pending += decoder.decode(chunk)
            if "\n" not in pending:
                if len(pending) > MAX_LINE:
                    raise BackendError("malformed", "stream line too long", backend=backend)
                continue
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line[:-1] if line.endswith("\r") else line
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise BackendError("malformed", f"stream is not UTF-8 ({exc.reason})", backend=backend) from None
    if pending.strip():
        yield pending[:-1] if pending.endswith("\r") else pending


def _load(text: str, backend: str, what: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        snippet = text[:60] + ("..." if len(text) > 60 else "")
        raise BackendError("malformed", f"{what} is not JSON ({exc.msg}): {snippet!r}",
                           backend=backend) from None
    if not isinstance(value, dict):
        raise BackendError("malformed", f"{what} is not a JSON object", backend=backend)
    return value


def iter_ndjson(chunks: Iterable[bytes], backend: str = "") -> Iterator[dict]:
    """Yield one dict per non-empty line."""
    for line in _lines(chunks, backend):
        if line.strip():
            yield _load(line, backend, "stream line")


def iter_sse(chunks: Iterable[bytes], backend: str = "") -> Iterator[dict]:
    """Yield the JSON payload of each SSE event; stops at ``[DONE]``.

    Follows the SSE field rules: ``data`` lines of one event are joined with
    newlines, comment lines (``:``) and other fields (``event``, ``id``,
    ``retry``) are skipped; llama-server's ``error: {...}`` line becomes
    ``{"error": ...}``. A stream that ends without ``[DONE]`` simply ends;
    callers decide whether that was complete (a final chunk with a
    ``finish_reason``).
    """
    data: list[str] = []
    for line in _lines(chunks, backend):
        if line == "":
            if data:
                payload = "\n".join(data)
                data = []
                if payload.strip() == "[DONE]":
                    return
                yield _load(payload, backend, "event")
            continue
        if line.startswith(":"):
            continue
        field, sep, value = line.partition(":")
        if not sep:
            # A bare word is a field with an empty value; nothing we use.
            continue
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "error":
            # llama-server reports a failure mid-stream as an `error:` line.
            try:
                detail = json.loads(value)
            except json.JSONDecodeError:
                detail = value
            yield {"error": detail}
        # Other fields (event, id, retry, unknown ones) are ignored, as SSE requires.
    if data:
        payload = "\n".join(data)
        if payload.strip() != "[DONE]":
            yield _load(payload, backend, "event")
