"""The Ollama API: ``/api/chat``, ``/api/generate``, ``/api/tags``, ``/api/ps``, ``/api/show``.

Streaming is the default, as in Ollama: NDJSON, one object per line, the last
with ``done: true``, the timings and (extension) the ``triforce`` results.
A request with no prompt / no messages just "loads" the model, the way
editor plugins warm Ollama up, and runs nothing.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from triforce import __version__
from triforce.server.chat import (
    ChatRun,
    check_max_tokens,
    server_timing,
    split_messages,
    token_counts,
    triforce_info,
)
from triforce.server.errors import APIError
from triforce.server.schemas_common import ollama_errors
from triforce.server.schemas_ollama import (
    OllamaChatRequest,
    OllamaChatResponse,
    OllamaGenerateRequest,
    OllamaGenerateResponse,
    OllamaModelDetails,
    OllamaOptions,
    OllamaPs,
    OllamaShowRequest,
    OllamaShowResponse,
    OllamaTags,
    OllamaVersion,
)
from triforce.server.streaming import ClosingStreamingResponse, ndjson_line

router = APIRouter(tags=["Ollama"])

KEEP_ALIVE_S = 300.0   # how long /api/ps lists a model after its last request, like Ollama

NDJSON_DOC = {"application/x-ndjson": {"schema": {
    "type": "string", "description": "one response object per line; the last has done=true"}}}


def _rfc3339(ts: float | None = None) -> str:
    moment = datetime.fromtimestamp(ts if ts is not None else time.time(), tz=timezone.utc)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _digest(name: str) -> str:
    return hashlib.sha256(f"triforce:{name}:{__version__}".encode()).hexdigest()


def _tag(model_id: str) -> str:
    return model_id if ":" in model_id else f"{model_id}:latest"


def _sampling(options: OllamaOptions | None) -> dict:
    """Ollama's ``options`` in the orchestrator's terms."""
    if options is None:
        return {}
    return {"max_tokens": options.num_predict, "temperature": options.temperature,
            "stop": options.stop, "seed": options.seed}


def _num_predict(options: OllamaOptions | None, limit: int) -> None:
    value = options.num_predict if options else None
    if value is not None and value >= 0:   # -1 / -2 mean "no limit" / "fill context" in Ollama
        check_max_tokens(value, limit, "options.num_predict")


def _final_fields(done, started: float) -> dict:
    prompt_tokens, completion_tokens = token_counts(done.answer_dict)
    total_ns = int((time.perf_counter() - started) * 1e9)
    return {"done": True, "done_reason": "stop", "total_duration": total_ns,
            "load_duration": 0, "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 0, "eval_count": completion_tokens,
            "eval_duration": total_ns, "triforce": triforce_info(done.answer_dict)}


def _load_only(model: str, kind: str) -> JSONResponse:
    body = {"model": model, "created_at": _rfc3339(), "done": True, "done_reason": "load"}
    body.update({"message": {"role": "assistant", "content": ""}} if kind == "chat"
                else {"response": ""})
    return JSONResponse(body)


async def _respond(request: Request, run: ChatRun, model: str, stream: bool, kind: str):
    started = time.perf_counter()

    def piece(text: str) -> dict:
        base = {"model": model, "created_at": _rfc3339()}
        if kind == "chat":
            base["message"] = {"role": "assistant", "content": text}
        else:
            base["response"] = text
        return base

    if not stream:
        done = await run.complete()
        return JSONResponse({**piece(done.text), **_final_fields(done, started)},
                            headers=server_timing(done.result))

    async def lines():
        try:
            async for what, value in run.text_stream():
                if what == "heartbeat":
                    continue   # NDJSON has no comments; Ollama clients wait quietly
                if what == "text":
                    yield ndjson_line({**piece(value), "done": False})
                else:
                    yield ndjson_line({**piece(""), **_final_fields(value, started)})
        except APIError as exc:
            request.app.state.metrics.observe_error(exc.code)
            yield ndjson_line({"error": exc.message})

    return ClosingStreamingResponse(lines(), media_type="application/x-ndjson",
                                    on_close=run.abandon)


@router.post("/api/chat", response_model=OllamaChatResponse,
             responses={200: {"content": NDJSON_DOC}, **ollama_errors(400, 401, 404, 413, 429,
                                                                      500, 502, 504)})
async def chat(body: OllamaChatRequest, request: Request):
    engine = request.app.state.engine
    expert = engine.resolve_model(body.model)
    _num_predict(body.options, engine.settings.max_tokens)
    if not body.messages:
        return _load_only(body.model, "chat")
    if any(m.images for m in body.messages):
        raise APIError("H114", "images are not supported", param="messages")
    prompt = split_messages([(m.role, m.content) for m in body.messages],
                            engine.settings.max_messages)
    ask = engine.make_ask_request(query=prompt.query, history=prompt.history, expert=expert,
                                  conversation_id=body.conversation_id, **_sampling(body.options))
    run = ChatRun(request, engine, "ollama", ask, body.model, stream=body.stream)
    return await _respond(request, run, body.model, body.stream, "chat")


@router.post("/api/generate", response_model=OllamaGenerateResponse,
             responses={200: {"content": NDJSON_DOC}, **ollama_errors(400, 401, 404, 413, 429,
                                                                      500, 502, 504)})
async def generate(body: OllamaGenerateRequest, request: Request):
    engine = request.app.state.engine
    expert = engine.resolve_model(body.model)
    _num_predict(body.options, engine.settings.max_tokens)
    if not body.prompt.strip():
        return _load_only(body.model, "generate")
    if body.images:
        raise APIError("H114", "images are not supported", param="images")
    history = [{"role": "system", "content": body.system}] if body.system else []
    ask = engine.make_ask_request(query=body.prompt, history=history, expert=expert,
                                  conversation_id=body.conversation_id, **_sampling(body.options))
    run = ChatRun(request, engine, "ollama", ask, body.model, stream=body.stream)
    return await _respond(request, run, body.model, body.stream, "generate")


def _details(engine, model_id: str) -> OllamaModelDetails:
    expert = engine.resolve_model(model_id)
    return OllamaModelDetails(parent_model="" if expert is None else "triforce",
                              family="triforce", families=["triforce"])


@router.get("/api/tags", response_model=OllamaTags, responses=ollama_errors(401))
async def tags(request: Request):
    engine = request.app.state.engine
    modified = _rfc3339(engine.started)
    return {"models": [{"name": _tag(m), "model": _tag(m), "modified_at": modified, "size": 0,
                        "digest": _digest(m), "details": _details(engine, m).model_dump()}
                       for m in engine.model_ids()]}


@router.get("/api/ps", response_model=OllamaPs, responses=ollama_errors(401))
async def ps(request: Request):
    """Models used within the keep-alive window, as Ollama lists loaded models."""
    engine = request.app.state.engine
    now = time.time()
    running = []
    for model_id, last in sorted(request.app.state.recent_models.items()):
        try:
            details = _details(engine, model_id)
        except APIError:
            continue
        if now - last <= KEEP_ALIVE_S:
            running.append({"name": _tag(model_id), "model": _tag(model_id), "size": 0,
                            "digest": _digest(model_id), "details": details.model_dump(),
                            "expires_at": _rfc3339(last + KEEP_ALIVE_S), "size_vram": 0})
    return {"models": running}


@router.post("/api/show", response_model=OllamaShowResponse, responses=ollama_errors(400, 401, 404))
async def show(body: OllamaShowRequest, request: Request):
    engine = request.app.state.engine
    model_id = body.model
    expert = engine.resolve_model(model_id)
    about = "routes automatically" if expert is None else f"forces the {expert} expert"
    return {"modelfile": f"# Triforce {__version__}: {_tag(model_id)} {about}\n",
            "parameters": "", "template": "{{ .Prompt }}",
            "details": _details(engine, model_id).model_dump(),
            "model_info": {"general.architecture": "triforce", "triforce.expert": expert or ""},
            "capabilities": ["completion"], "modified_at": _rfc3339(engine.started)}


@router.get("/api/version", response_model=OllamaVersion)
async def version():
    return {"version": __version__}
