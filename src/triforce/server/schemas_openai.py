"""OpenAI chat-completions request and response models (the subset Triforce serves).

Unknown request fields are accepted and ignored, as OpenAI-compatible servers
do (clients send ``tools``, ``logprobs``, ``frequency_penalty`` ...); known
fields are type-checked strictly.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from triforce.server.schemas_common import STRICT_OPEN, JsonInt, TriforceInfo, json_int


class ContentPart(BaseModel):
    model_config = STRICT_OPEN
    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = STRICT_OPEN
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None


class StreamOptions(BaseModel):
    model_config = STRICT_OPEN
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = STRICT_OPEN
    model: str = Field(description="'triforce' routes automatically; 'triforce/<expert>' forces one")
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: json_int(ge=1) | None = None
    max_completion_tokens: json_int(ge=1) | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    n: json_int(ge=1, le=1) | None = Field(None, description="only 1 is supported")
    stop: str | list[str] | None = None
    seed: JsonInt | None = None
    user: str | None = None
    conversation_id: str | None = Field(
        None, max_length=200,
        description="Triforce extension: groups turns for routing statistics")


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: str | None = None


class Choice(BaseModel):
    index: int = 0
    message: ChatMessageOut
    finish_reason: Literal["stop", "length", "content_filter"] = "stop"
    logprobs: dict[str, Any] | None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    system_fingerprint: str | None = None
    triforce: TriforceInfo | None = Field(
        None, description="Triforce extension: route and verification results")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop", "length", "content_filter"] | None = None
    logprobs: dict[str, Any] | None = None


class ChatCompletionChunk(BaseModel):
    """One ``data:`` line of the ``text/event-stream`` reply; the stream ends with ``data: [DONE]``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    triforce: TriforceInfo | None = Field(
        None, description="on the chunk with finish_reason: route and verification results")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "triforce"
    description: str = ""


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
