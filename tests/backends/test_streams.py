"""NDJSON and SSE parsing: split anywhere, malformed input is one clear error."""

from __future__ import annotations

import json

import pytest

from triforce.backends.base import BackendError
from triforce.backends.streams import iter_ndjson, iter_sse


def _split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_ndjson_reassembles_lines_split_anywhere(size):
    objects = [{"message": {"content": "é→😀"}, "done": False}, {"done": True, "eval_count": 3}]
    data = b"".join(json.dumps(o, ensure_ascii=False).encode() + b"\n" for o in objects)
    assert list(iter_ndjson(_split_every(data, size))) == objects


def test_ndjson_last_line_without_newline_and_blank_lines():
    data = [b'{"a": 1}\r\n\n', b'{"b": 2}']
    assert list(iter_ndjson(data)) == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize("data", [b"<html>502 Bad Gateway</html>\n", b'{"a": 1\n', b"[1, 2]\n",
                                  b'{"a": "\xff\xfe"}\n'])
def test_ndjson_malformed(data):
    with pytest.raises(BackendError) as info:
        list(iter_ndjson([data], backend="ollama"))
    assert info.value.kind == "malformed" and info.value.backend == "ollama"


@pytest.mark.parametrize("size", [1, 5, 64])
def test_sse_events_split_anywhere_stop_at_done(size):
    events = [{"choices": [{"delta": {"content": "ŝ"}}]}, {"choices": [{"delta": {}, "finish_reason": "stop"}]}]
    text = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
    text = ": keep-alive comment\n\n" + text + "data: [DONE]\n\n" + 'data: {"after": "done"}\n\n'
    assert list(iter_sse(_split_every(text.encode(), size))) == events


def test_sse_multiline_data_crlf_and_other_fields():
    text = 'event: message\r\nid: 7\r\ndata: {"a":\r\ndata: 1}\r\nretry: 100\r\n\r\ndata: [DONE]\r\n\r\n'
    assert list(iter_sse([text.encode()])) == [{"a": 1}]


def test_sse_error_field_from_llama_server():
    text = 'data: {"choices": []}\n\nerror: {"code": 500, "message": "boom"}\n\n'
    assert list(iter_sse([text.encode()]))[-1] == {"error": {"code": 500, "message": "boom"}}


def test_sse_payload_that_is_not_json_is_malformed():
    with pytest.raises(BackendError) as info:
        list(iter_sse([b"data: Internal Server Error\n\n"], backend="openai"))
    assert info.value.kind == "malformed"
