"""Routing, health, Prometheus metrics and the statistics the dashboard reads."""

from __future__ import annotations

import time

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from triforce import __version__
from triforce.server.schemas_common import (
    HealthResponse,
    RecentResponse,
    RouteRequest,
    RouteResponse,
    StatsResponse,
    openai_errors,
)

router = APIRouter(tags=["Triforce"])


@router.post("/v1/route", response_model=RouteResponse,
             responses=openai_errors(400, 401, 413, 500, 503))
async def route(body: RouteRequest, request: Request):
    """Where a query would go: intents in execution order, experts, confidence. Runs nothing.
    The decision joins the routing statistics unless ``record`` is false. (Served by
    ``route_lane.RouteLane`` in front of FastAPI; this is the same service.)"""
    return JSONResponse(await request.app.state.route_service.answer(body))


@router.get("/health", response_model=HealthResponse)
async def health(request: Request):
    engine = request.app.state.engine
    try:
        await run_in_threadpool(engine.store.schema_version)
        store = "ok"
    except Exception as exc:  # noqa: BLE001 - reported as degraded, never raised
        store = f"unavailable: {type(exc).__name__}"
    degraded = store != "ok" or engine.router is None
    return {"status": "degraded" if degraded else "ok", "version": __version__,
            "uptime_s": round(time.time() - engine.started, 3),
            "experts": sorted(engine.experts), "store": store,
            "router": "ok" if engine.router is not None else "unavailable",
            "in_flight": request.app.state.limiter.active()}


@router.get("/metrics", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition format 0.0.4"},
                       **openai_errors(401)})
async def metrics(request: Request):
    state = request.app.state
    text = state.metrics.render(in_flight=state.limiter.active(),
                                statistics=state.engine.statistics_health())
    return PlainTextResponse(text,
                             media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/v1/stats", response_model=StatsResponse, responses=openai_errors(400, 401))
async def stats(request: Request,
                window_s: float = Query(3600.0, ge=60.0, le=30 * 86400.0),
                bucket_s: float = Query(60.0, ge=1.0, le=86400.0)):
    """Routing statistics from the store plus the request latency series."""
    engine = request.app.state.engine
    return await run_in_threadpool(engine.stats, window_s=window_s, bucket_s=bucket_s)


@router.get("/v1/requests", response_model=RecentResponse, responses=openai_errors(400, 401))
async def recent(request: Request, limit: int = Query(30, ge=1, le=200)):
    """The last requests with their plans and verification results, newest first."""
    engine = request.app.state.engine
    records = await run_in_threadpool(engine.recent, limit)
    return {"requests": [summarize(r) for r in records]}


def summarize(record: dict) -> dict:
    """A logged request trimmed to what the dashboard draws; tolerant of old shapes."""
    route = record.get("route") if isinstance(record.get("route"), dict) else {}
    plan = record.get("plan") if isinstance(record.get("plan"), dict) else {}
    steps = []
    for step in record.get("steps") or []:
        if not isinstance(step, dict):
            continue
        blocks = [b for b in step.get("code_blocks") or [] if isinstance(b, dict)]
        steps.append({
            "expert": step.get("expert"), "status": step.get("status", "ok"),
            "backend": step.get("backend"), "toolkit": bool(step.get("toolkit")),
            "repair_rounds": step.get("repair_rounds", 0),
            "elapsed_ms": step.get("elapsed_ms"),
            "blocks": [{"assembles": b.get("assembles"), "equivalent": b.get("equivalent"),
                        "bytes": b.get("bytes"), "cycles": b.get("cycles"),
                        "checked": b.get("checked")} for b in blocks],
        })
    latency = record.get("latency_ms")
    confidence = route.get("confidence")
    validation = record.get("validation") if isinstance(record.get("validation"), dict) else {}
    verified = validation.get("verified", record.get("verified"))
    return {
        "id": int(record.get("id", 0)),
        "ts": float(record.get("ts") or 0.0),
        "query": str(record.get("query") or "")[:200],
        "status": str(record.get("status") or "ok"),
        "latency_ms": float(latency) if isinstance(latency, (int, float)) else None,
        "intents": [str(i) for i in route.get("intents") or []],
        "experts": [str(e) for e in route.get("experts") or []],
        "confidence": float(confidence) if isinstance(confidence, (int, float)) else None,
        "plan": str(plan.get("mode") or ""),
        "verified": verified if isinstance(verified, bool) else None,
        "steps": steps,
    }
