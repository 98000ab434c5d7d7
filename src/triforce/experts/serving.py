"""Serving configs written from the expert data: Ollama Modelfiles, vLLM and llama-server commands.

* Ollama cannot swap adapters per request, so every expert becomes its own
  model: ``FROM`` the tier's base, ``ADAPTER`` its GGUF LoRA, its ``SYSTEM``
  prompt, the ChatML ``TEMPLATE`` of Qwen2.5 and its ``PARAMETER``s.
* vLLM serves one base with every adapter as a model of its own
  (``--enable-lora --lora-modules name=path ...``); ``--max-loras`` is the
  number of adapters so all can be in one batch, and ``--max-lora-rank`` the
  largest rank among them (rounded up to a rank vLLM accepts).
* llama-server loads every GGUF adapter with ``--lora a.gguf,b.gguf``; the
  openai backend picks one per request.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, SourceSpan, warning
from triforce.experts.registry import Expert, ExpertRegistry

# Qwen2.5's ChatML in Ollama's Go template syntax (system, then the messages;
# the reply follows `<|im_start|>assistant`).
QWEN_TEMPLATE = """{{- if .Messages }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
<|im_start|>{{ .Role }}
{{ .Content }}{{ if not $last }}<|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") $last }}<|im_end|>
<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }}"""
STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")
VLLM_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)


@dataclass
class ModelfileExport:
    expert: str
    model_name: str        # what `ollama create` names it (experts.NAME.adapters.ollama)
    path: Path
    text: str
    adapter: str | None


@dataclass
class ExportResult:
    files: list[ModelfileExport] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def commands(self) -> list[str]:
        return [f"ollama create {f.model_name} -f {shlex.quote(str(f.path))}" for f in self.files]


def _triple_quoted(text: str) -> str:
    # A Modelfile value in """ """ cannot contain """; break such runs up.
    return '"""' + text.replace('"""', '" " "') + '"""'


def modelfile(expert: Expert, tier: str, adapter_path: str | None) -> str:
    lines = [f"# Triforce expert {expert.name} ({expert.intent}: {expert.specialty}), tier {tier}",
             f"FROM {expert.base_model(tier)}"]
    if adapter_path:
        lines.append(f"ADAPTER {adapter_path}")
    lines.append(f"TEMPLATE {_triple_quoted(QWEN_TEMPLATE)}")
    lines.append(f"SYSTEM {_triple_quoted(expert.system_prompt)}")
    for key, value in sorted(expert.parameters.items()):
        lines.append(f"PARAMETER {key} {value}")
    for stop in STOP_TOKENS:
        lines.append(f'PARAMETER stop "{stop}"')
    return "\n".join(lines) + "\n"


def export_ollama(registry: ExpertRegistry, out_dir: Path, *, tier: str = "fast",
                  names: list[str] | None = None) -> ExportResult:
    """Write ``out_dir/NAME.Modelfile`` for each expert that has an Ollama model name."""
    result = ExportResult()
    out_dir.mkdir(parents=True, exist_ok=True)
    for expert in registry.experts.values():
        if names and expert.name not in names:
            continue
        model_name = expert.adapter_for("ollama", tier)
        if not model_name:
            continue          # the fallback answers with the base model itself
        adapter = expert.adapter_for("gguf", tier)
        if adapter and not Path(adapter).is_file():
            result.diagnostics.append(warning(
                "X010", f"{expert.name}: adapter {adapter} does not exist yet; the Modelfile uses "
                        f"the base model with the expert's prompt (set experts.{expert.name}.adapters.gguf)",
                SourceSpan(str(adapter))))
            adapter = None
        path = out_dir / f"{expert.name}.Modelfile"
        text = modelfile(expert, tier, adapter)
        path.write_text(text, encoding="utf-8")
        result.files.append(ModelfileExport(expert.name, model_name, path, text, adapter))
    return result


def _adapter_experts(registry: ExpertRegistry, tier: str, kind: str) -> list[tuple[Expert, str]]:
    return [(e, path) for e in registry.experts.values()
            if e.lora.enabled and (path := e.adapter_for(kind, tier))]


def vllm_command(registry: ExpertRegistry, *, tier: str = "fast", model: str | None = None,
                 host: str = "127.0.0.1", port: int = 8000) -> list[str]:
    """argv for ``vllm serve`` with every expert's adapter as a LoRA module."""
    base = model or registry.tiers[tier].hf
    adapters = _adapter_experts(registry, tier, "local")
    argv = ["vllm", "serve", base, "--host", host, "--port", str(port)]
    if adapters:
        max_rank = max(e.lora.r for e, _ in adapters)
        rank = next((r for r in VLLM_RANKS if r >= max_rank), max_rank)
        argv += ["--enable-lora", "--lora-modules"]
        argv += [f"{e.adapter_for('openai', tier) or e.name}={path}" for e, path in adapters]
        argv += ["--max-loras", str(len(adapters)), "--max-cpu-loras", str(len(adapters)),
                 "--max-lora-rank", str(rank)]
    return argv


def llama_server_command(registry: ExpertRegistry, *, tier: str = "fast", model: str | None = None,
                         host: str = "127.0.0.1", port: int = 8080) -> list[str]:
    """argv for llama-server with every expert's GGUF adapter loaded (scales set per request)."""
    base = model or registry.tiers[tier].gguf
    adapters = _adapter_experts(registry, tier, "gguf")
    argv = ["llama-server", "-m", base, "--host", host, "--port", str(port)]
    if adapters:
        argv += ["--lora", ",".join(path for _, path in adapters), "--lora-init-without-apply"]
    return argv


def config_snippet(flavor: str, base_url: str, model: str) -> str:
    """The triforce.toml lines that point the openai backend at the printed server."""
    return (f'[backends]\ndefault = "openai"\n\n[backends.openai]\nbase_url = "{base_url}"\n'
            f'flavor = "{flavor}"\nmodel = "{model}"\n')
