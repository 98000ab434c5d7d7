"""Models shared by both APIs: the ``triforce`` extra field, routing, health, stats, errors.

Request models are strict (``"5"`` is not an integer) so that a wrong type is
a 400 instead of a silent coercion; response models document exactly what the
server sends, and the OpenAPI description is generated from them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

STRICT = ConfigDict(strict=True, extra="forbid")
STRICT_OPEN = ConfigDict(strict=True, extra="allow")   # OpenAI/Ollama clients send extras


def _integral(value):
    """JSON has one number type: ``100.0`` and ``1e2`` are integers too (JSON Schema
    agrees); strings and booleans still are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: An integer field of a request: strict, but integral floats count.
JsonInt = Annotated[int, BeforeValidator(_integral)]


def json_int(**constraints):
    """``JsonInt`` with bounds (``ge=1``...): the bounds must come before the
    validator for pydantic to write them into the JSON schema."""
    return Annotated[int, Field(**constraints), BeforeValidator(_integral)]


# -- verification results (the ``triforce`` extra field) ---------------------------------
class CodeBlockInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    index: int
    code: str
    lang: str = ""
    checked: bool = False
    assembles: bool | None = None
    bytes: int | None = None
    cycles: list[int] | None = Field(None, description="[min, max] cycles")
    equivalent: bool | None = None
    counterexample: dict[str, Any] | None = None
    diagnostics: list[dict[str, Any]] = []


class StepInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    expert: str
    intent: str = ""
    backend: str = ""
    model: str = ""
    status: str = "ok"
    toolkit: bool = False
    repair_rounds: int = 0
    code_blocks: list[CodeBlockInfo] = []


class TriforceInfo(BaseModel):
    """What Triforce did: the route, the plan, each step and its verified code."""

    model_config = ConfigDict(extra="allow")
    route: dict[str, Any] = Field(default_factory=dict,
                                  description="intents, experts, confidence, scores, path")
    plan: dict[str, Any] = Field(default_factory=dict)
    status: str = Field("ok", description="ok | partial | error | cancelled")
    verified: bool = False
    toolkit: bool = False
    steps: list[StepInfo] = []
    latency_ms: float = 0.0
    request_id: int | None = Field(None, description="row id in the request log")
    diagnostics: list[dict[str, Any]] = []


# -- errors ----------------------------------------------------------------------------
class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = Field(None, description="stable Triforce error code (H1xx)")


class OpenAIError(BaseModel):
    error: OpenAIErrorDetail


class OllamaError(BaseModel):
    error: str


def openai_errors(*statuses: int) -> dict:
    return {status: {"model": OpenAIError} for status in statuses}


def ollama_errors(*statuses: int) -> dict:
    return {status: {"model": OllamaError} for status in statuses}


# -- routing ---------------------------------------------------------------------------
class RouteRequest(BaseModel):
    model_config = STRICT
    query: str = Field(min_length=1, max_length=100_000)
    top_k: json_int(ge=1, le=10) | None = None
    previous_expert: str | None = Field(None, max_length=64)
    conversation_id: str | None = Field(
        None, max_length=128, description="counts expert transitions between turns")
    record: bool = Field(True, description="add the decision to the routing statistics "
                                           "(as `triforce route` does); false for a dry run")


class RouteResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    query: str
    intents: list[str] = Field(description="execution order; ['general'] when nothing fits")
    experts: list[str]
    confidence: float


# -- health and statistics -------------------------------------------------------------
class HealthResponse(BaseModel):
    status: str = Field(description="ok | degraded")
    version: str
    uptime_s: float
    experts: list[str]
    store: str = Field(description="ok, or why the statistics store cannot be read")
    router: str = Field(description="ok | unavailable (/v1/route answers 503; chats use "
                                    "the fallback expert)")
    in_flight: int


class LatencyBucket(BaseModel):
    model_config = ConfigDict(extra="allow")
    t: float
    count: int
    errors: int = 0
    avg_ms: float | None = None
    p95_ms: float | None = None


class StatsResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    total_queries: int
    expert_distribution: dict[str, int]
    intent_confidence_avg: dict[str, float]
    fallback_rate: float
    latency_ms: dict[str, float]
    transitions: dict[str, dict[str, int]] = {}
    latency_series: list[LatencyBucket] = Field(
        default_factory=list, description="requests per time bucket, oldest first")
    generated_at: float = Field(0.0, description="server time the series ends at")


class RequestSummary(BaseModel):
    """One logged request, trimmed for the dashboard (plan and verification only)."""

    model_config = ConfigDict(extra="allow")
    id: int
    ts: float
    query: str = ""
    status: str = "ok"
    latency_ms: float | None = None
    intents: list[str] = []
    experts: list[str] = []
    confidence: float | None = None
    plan: str = ""
    verified: bool | None = None
    steps: list[dict[str, Any]] = []


class RecentResponse(BaseModel):
    requests: list[RequestSummary]
