"""Ollama API request and response models (``/api/chat``, ``/api/generate``, tags, ps).

Durations are nanoseconds and ``created_at`` is RFC 3339, as Ollama sends
them. Streaming replies are NDJSON: one response object per line, the last
with ``done: true`` and the timings.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from triforce.server.schemas_common import STRICT_OPEN, JsonInt, TriforceInfo


class OllamaOptions(BaseModel):
    model_config = STRICT_OPEN
    num_predict: JsonInt | None = Field(None, description="max tokens; -1 means the server limit")
    temperature: float | None = None
    top_p: float | None = None
    seed: JsonInt | None = None
    stop: list[str] | None = None


class OllamaMessage(BaseModel):
    model_config = STRICT_OPEN
    role: str = Field(pattern="^(system|user|assistant|tool)$")
    content: str = ""
    images: list[str] | None = None


class OllamaChatRequest(BaseModel):
    model_config = STRICT_OPEN
    model: str
    messages: list[OllamaMessage] = []
    stream: bool = True
    options: OllamaOptions | None = None
    keep_alive: str | float | None = None
    format: str | dict[str, Any] | None = None
    conversation_id: str | None = Field(None, max_length=200,
                                        description="Triforce extension")


class OllamaGenerateRequest(BaseModel):
    model_config = STRICT_OPEN
    model: str
    prompt: str = ""
    system: str | None = None
    context: list[JsonInt] | None = None
    stream: bool = True
    raw: bool = False
    options: OllamaOptions | None = None
    keep_alive: str | float | None = None
    format: str | dict[str, Any] | None = None
    images: list[str] | None = None
    conversation_id: str | None = Field(None, max_length=200,
                                        description="Triforce extension")


class OllamaMessageOut(BaseModel):
    role: str = "assistant"
    content: str


class _Timings(BaseModel):
    model: str
    created_at: str
    done: bool
    done_reason: str | None = None
    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration: int | None = None
    eval_count: int | None = None
    eval_duration: int | None = None
    triforce: TriforceInfo | None = Field(
        None, description="Triforce extension, on the final (done) object")


class OllamaChatResponse(_Timings):
    message: OllamaMessageOut


class OllamaGenerateResponse(_Timings):
    response: str
    context: list[int] | None = None


class OllamaModelDetails(BaseModel):
    parent_model: str = ""
    format: str = "triforce"
    family: str = "triforce"
    families: list[str] = ["triforce"]
    parameter_size: str = ""
    quantization_level: str = ""


class OllamaModel(BaseModel):
    name: str
    model: str
    modified_at: str
    size: int = 0
    digest: str
    details: OllamaModelDetails


class OllamaTags(BaseModel):
    models: list[OllamaModel]


class OllamaRunningModel(BaseModel):
    name: str
    model: str
    size: int = 0
    digest: str
    details: OllamaModelDetails
    expires_at: str
    size_vram: int = 0


class OllamaPs(BaseModel):
    models: list[OllamaRunningModel]


class OllamaShowRequest(BaseModel):
    model_config = STRICT_OPEN
    model: str

    @model_validator(mode="before")
    @classmethod
    def _old_name_field(cls, data):
        # Older Ollama clients send {"name": ...}; it means the same.
        if isinstance(data, dict) and "model" not in data and isinstance(data.get("name"), str):
            return {**data, "model": data["name"]}
        return data


class OllamaShowResponse(BaseModel):
    modelfile: str
    parameters: str = ""
    template: str = "{{ .Prompt }}"
    details: OllamaModelDetails
    model_info: dict[str, Any] = {}
    capabilities: list[str] = ["completion"]
    modified_at: str


class OllamaVersion(BaseModel):
    version: str
