"""The OpenAI-compatible API: ``/v1/chat/completions`` and ``/v1/models``."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from triforce.server.chat import (
    ChatRun,
    check_max_tokens,
    new_id,
    server_timing,
    split_messages,
    token_counts,
    triforce_info,
)
from triforce.server.errors import APIError, error_body
from triforce.server.schemas_common import openai_errors
from triforce.server.schemas_openai import (
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessageIn,
    ModelCard,
    ModelList,
)
from triforce.server.streaming import SSE_HEADERS, ClosingStreamingResponse, sse_line

router = APIRouter(tags=["OpenAI"])

STREAM_DOC = {
    "text/event-stream": {
        "schema": {"type": "string", "description": "Server-sent events: one ChatCompletionChunk "
                   "per `data:` line, then `data: [DONE]`"},
    }
}


def _text(message: ChatMessageIn) -> str:
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if part.type != "text":
            raise APIError("H114", f"content parts of type {part.type!r} are not supported",
                           param="messages")
        parts.append(part.text or "")
    return "".join(parts)


def _model_card(model_id: str, created: int, engine) -> ModelCard:
    expert = engine.resolve_model(model_id)
    if expert is None:
        description = "routes each request to the best experts automatically"
    else:
        description = getattr(engine.experts[expert], "specialty", "") or f"the {expert} expert"
    return ModelCard(id=model_id, created=created, description=str(description))


@router.get("/v1/models", response_model=ModelList, responses=openai_errors(401))
async def list_models(request: Request):
    engine = request.app.state.engine
    created = int(engine.started)
    return ModelList(data=[_model_card(m, created, engine) for m in engine.model_ids()])


@router.get("/v1/models/{model_id:path}", response_model=ModelCard,
            responses=openai_errors(401, 404))
async def get_model(model_id: str, request: Request):
    engine = request.app.state.engine
    return _model_card(model_id, int(engine.started), engine)


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    responses={200: {"content": STREAM_DOC,
                     "description": "a ChatCompletion, or an event stream when stream is true"},
               **openai_errors(400, 401, 404, 413, 429, 500, 502, 504)},
)
async def chat_completions(body: ChatCompletionRequest, request: Request):
    engine = request.app.state.engine
    settings = engine.settings
    check_max_tokens(body.max_tokens, settings.max_tokens, "max_tokens")
    check_max_tokens(body.max_completion_tokens, settings.max_tokens, "max_completion_tokens")
    expert = engine.resolve_model(body.model)
    prompt = split_messages([(m.role, _text(m)) for m in body.messages], settings.max_messages)
    ask = engine.make_ask_request(query=prompt.query, history=prompt.history, expert=expert,
                                  conversation_id=body.conversation_id,
                                  max_tokens=body.max_completion_tokens or body.max_tokens,
                                  temperature=body.temperature, stop=body.stop, seed=body.seed)
    run = ChatRun(request, engine, "openai", ask, body.model, stream=body.stream)
    completion_id = new_id("chatcmpl")
    created = int(time.time())
    if not body.stream:
        done = await run.complete()
        prompt_tokens, completion_tokens = token_counts(done.answer_dict)
        payload = {
            "id": completion_id, "object": "chat.completion", "created": created,
            "model": body.model,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": done.text,
                                     "refusal": None}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
            "system_fingerprint": None,
            "triforce": triforce_info(done.answer_dict),
        }
        return JSONResponse(payload, headers=server_timing(done.result))
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return ClosingStreamingResponse(
        _sse(run, request, completion_id, created, body.model, include_usage),
        media_type="text/event-stream", headers=SSE_HEADERS, on_close=run.abandon)


async def _sse(run: ChatRun, request: Request, completion_id: str, created: int, model: str,
               include_usage: bool):
    def chunk(delta: dict, finish=None, **extra) -> dict:
        return {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                             "logprobs": None}], **extra}

    yield sse_line(chunk({"role": "assistant", "content": ""}))
    try:
        async for kind, value in run.text_stream():
            if kind == "heartbeat":
                yield ": keep-alive\n\n"   # an SSE comment: clients skip it, proxies stay open
                continue
            if kind == "text":
                yield sse_line(chunk({"content": value}))
                continue
            yield sse_line(chunk({}, "stop", triforce=triforce_info(value.answer_dict)))
            if include_usage:
                prompt_tokens, completion_tokens = token_counts(value.answer_dict)
                yield sse_line({"id": completion_id, "object": "chat.completion.chunk",
                                "created": created, "model": model, "choices": [],
                                "usage": {"prompt_tokens": prompt_tokens,
                                          "completion_tokens": completion_tokens,
                                          "total_tokens": prompt_tokens + completion_tokens}})
    except APIError as exc:
        # Headers are gone already: the error travels as an event, as OpenAI does.
        request.app.state.metrics.observe_error(exc.code)
        yield sse_line(error_body(request.url.path, exc.code, exc.message, exc.param))
    yield sse_line("[DONE]")

