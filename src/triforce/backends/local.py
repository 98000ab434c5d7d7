"""In-process transformers + PEFT: one base model, every expert's LoRA adapter by name.

The base is loaded once (lazily, on first use). Adapters are loaded by name
from ``adapters`` (name -> PEFT adapter directory) and switched per request
with ``set_adapter``; a request without an adapter runs the bare base inside
``disable_adapter()``. At most ``max_adapters`` stay resident: the least
recently used one is deleted when another must load. Every switch is timed;
``stats()`` reports loads, evictions and the switch-time median/p95.

Generation is a plain token loop over the model's KV cache, so tokens stream
as they are produced without a helper thread. ``temperature <= 0`` is greedy.

torch, transformers and peft are imported lazily; without them the backend
raises a ``config`` BackendError naming the ``local`` extra.
"""

from __future__ import annotations

import inspect
import statistics
import threading
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Iterator

from triforce.backends.base import BackendError, BackendHealth, ChatChunk, ChatRequest

EXTRA_HINT = "install the extra: `pip install torch` then `pip install 'triforce[local]'`"


def _import_stack():
    try:
        import peft  # noqa: F401
        import torch
        import transformers
    except ImportError as exc:
        raise BackendError("config", f"the local backend needs torch, transformers and peft ({exc.name} missing)",
                           hint=EXTRA_HINT, backend="local") from None
    return torch, transformers, peft


class LocalBackend:
    name = "local"

    def __init__(self, model: str = "", adapters: dict[str, str] | None = None, *,
                 max_adapters: int = 4, device: str = "cpu", dtype: str = "auto",
                 threads: int | None = None, trust_remote_code: bool = False, **_ignored):
        self.model_path = model
        self.adapter_paths = dict(adapters or {})
        self.max_adapters = max(1, int(max_adapters))
        self.device_name = device
        self.dtype_name = dtype
        self.trust_remote_code = trust_remote_code
        self.threads = threads
        self._lock = threading.RLock()
        self._tokenizer = None
        self._base = None
        self._peft = None                       # PeftModel once an adapter is loaded
        self._resident: OrderedDict[str, None] = OrderedDict()   # LRU order, oldest first
        self._active: str | None = None
        self._cache_arg = "past_key_values"
        self._tuner_layers: list | None = None
        self.base_loads = 0
        self.adapter_loads = 0
        self.evictions = 0
        self.switch_ms: deque[float] = deque(maxlen=1000)
        self.load_ms: deque[float] = deque(maxlen=100)

    # -- loading -----------------------------------------------------------------
    def _dtype(self, torch):
        if self.dtype_name in ("auto", "", None):
            return torch.float32 if self._device(torch) == "cpu" else torch.float16
        value = getattr(torch, str(self.dtype_name), None)
        if value is None:
            raise BackendError("config", f"unknown dtype {self.dtype_name!r}",
                               hint="set backends.local.dtype to float32, float16 or bfloat16",
                               backend=self.name)
        return value

    def _device(self, torch) -> str:
        if self.device_name == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device_name

    def _ensure_base(self):
        if self._base is not None:
            return
        torch, transformers, _ = _import_stack()
        if not self.model_path:
            raise BackendError("config", "no base model configured",
                               hint="set backends.local.model to a Hugging Face model directory",
                               backend=self.name)
        if self.threads:
            # torch's intra-op pool is per process; small models on a busy CPU run
            # far faster on one thread than on several that wait for each other.
            torch.set_num_threads(int(self.threads))
        dtype_key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                self.model_path, trust_remote_code=self.trust_remote_code)
            base = transformers.AutoModelForCausalLM.from_pretrained(
                self.model_path, trust_remote_code=self.trust_remote_code,
                **{dtype_key: self._dtype(torch)})
        except (OSError, ValueError) as exc:
            raise BackendError("missing_model", f"cannot load base model {self.model_path!r}: {exc}",
                               hint="set backends.local.model to a model directory or a Hugging Face "
                                    "model id you have downloaded", backend=self.name) from None
        base.to(self._device(torch))
        base.eval()
        # transformers 5 renamed the KV-cache argument from past_key_values to cache.
        params = inspect.signature(base.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"
        self._tokenizer, self._base = tokenizer, base
        self.base_loads += 1

    def _evict_lru(self) -> None:
        name, _ = self._resident.popitem(last=False)
        if self._active == name:
            self._active = None
        self._peft.delete_adapter(name)
        self._tuner_layers = None
        self.evictions += 1

    def _ensure_adapter(self, name: str) -> None:
        if name in self._resident:
            self._resident.move_to_end(name)
            return
        path = self.adapter_paths.get(name)
        if path is None and Path(name).is_dir():
            path = name
        if path is None or not (Path(path) / "adapter_config.json").is_file():
            raise BackendError("missing_adapter", f"no PEFT adapter for {name!r}"
                               + (f" at {path}" if path else ""),
                               hint="train it (`triforce train`) or set experts.<name>.adapters.local "
                                    "to a PEFT adapter directory", backend=self.name)
        _, _, peft = _import_stack()
        started = time.perf_counter()
        if self._peft is None:
            self._peft = peft.PeftModel.from_pretrained(self._base, path, adapter_name=name)
            self._peft.eval()
        else:
            self._peft.load_adapter(path, adapter_name=name)
        self.load_ms.append((time.perf_counter() - started) * 1000)
        self._tuner_layers = None          # a new adapter may have added layers
        self._resident[name] = None
        self.adapter_loads += 1
        # Load first, evict after: PEFT always keeps at least one adapter.
        while len(self._resident) > self.max_adapters:
            self._evict_lru()

    def _activate(self, adapter: str | None) -> None:
        """Make ``adapter`` (None: none) the active one; the switch is timed."""
        if adapter is not None:
            self._ensure_adapter(adapter)
        if adapter == self._active:
            return
        started = time.perf_counter()
        if adapter is not None:
            self._set_adapter(adapter)
        self._active = adapter
        self.switch_ms.append((time.perf_counter() - started) * 1000)

    def _set_adapter(self, name: str) -> None:
        """Switch every LoRA layer to ``name`` for inference.

        ``PeftModel.set_adapter`` walks all modules once per LoRA layer (quadratic
        in model size) to toggle training flags; serving needs neither, so each
        tuner layer is switched directly (frozen: ``inference_mode=True``) and the
        tuner's ``active_adapter`` follows. Falls back to PEFT's call if this
        PEFT version lacks the per-layer API.
        """
        try:
            from peft.tuners.tuners_utils import BaseTunerLayer

            if getattr(self._peft.peft_config[name], "modules_to_save", None):
                raise AttributeError("auxiliary modules need PEFT's own switch")
            if self._tuner_layers is None:
                self._tuner_layers = [m for m in self._peft.modules() if isinstance(m, BaseTunerLayer)]
            for layer in self._tuner_layers:
                layer.set_adapter(name, inference_mode=True)
            self._peft.active_adapter = name
            self._peft.base_model.active_adapter = name
        except (ImportError, AttributeError, TypeError, KeyError):
            self._peft.set_adapter(name)

    # -- generation --------------------------------------------------------------
    def _model_for_active(self):
        import contextlib

        if self._peft is None:
            return self._base, contextlib.nullcontext()
        if self._active is None:
            return self._peft, self._peft.disable_adapter()
        return self._peft, contextlib.nullcontext()

    def _prompt_ids(self, request: ChatRequest, torch):
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        tokenizer = self._tokenizer
        if getattr(tokenizer, "chat_template", None):
            text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:
            text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "
        ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
        return ids.to(self._device(torch))

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        torch, _, _ = _import_stack()
        with self._lock:
            self._ensure_base()
            self._activate(request.adapter)
            model, context = self._model_for_active()
            tokenizer = self._tokenizer
            input_ids = self._prompt_ids(request, torch)
            eos = {t for t in (tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>"))
                   if isinstance(t, int) and t >= 0 and t != tokenizer.unk_token_id}
            generator = None
            if request.temperature > 0:
                generator = torch.Generator(device="cpu")
                generator.manual_seed(request.seed if request.seed is not None else 0)
            generated: list[int] = []
            emitted = ""
            deadline = time.monotonic() + request.timeout
            with context, torch.inference_mode():
                past = None
                step_input = input_ids
                for _ in range(max(0, request.max_tokens)):
                    out = model(input_ids=step_input, use_cache=True, **{self._cache_arg: past})
                    past = out.get("cache", None)
                    if past is None:
                        past = out.get("past_key_values", None)
                    logits = out.logits[0, -1].float()
                    if generator is None:
                        token = int(torch.argmax(logits))
                    else:
                        probs = torch.softmax(logits.cpu() / request.temperature, dim=-1)
                        token = int(torch.multinomial(probs, 1, generator=generator))
                    if token in eos:
                        break
                    generated.append(token)
                    text = tokenizer.decode(generated, skip_special_tokens=True)
                    if request.stop and any(s in text for s in request.stop):
                        cut = min(text.index(s) for s in request.stop if s in text)
                        if cut > len(emitted):
                            yield ChatChunk(text=text[len(emitted):cut], model=self.model_path,
                                            adapter=request.adapter, backend=self.name)
                        emitted = text[:cut]
                        break
                    if not text.endswith("\ufffd") and len(text) > len(emitted):
                        yield ChatChunk(text=text[len(emitted):], model=self.model_path,
                                        adapter=request.adapter, backend=self.name)
                        emitted = text
                    if time.monotonic() > deadline:
                        raise BackendError("timeout", "local generation took longer than allowed",
                                           hint="raise the request timeout or lower max_tokens",
                                           backend=self.name)
                    step_input = torch.tensor([[token]], device=input_ids.device)
            yield ChatChunk(done=True, prompt_tokens=int(input_ids.shape[1]),
                            completion_tokens=len(generated), model=self.model_path,
                            adapter=request.adapter, backend=self.name)

    # -- optional protocol -------------------------------------------------------
    def list_models(self) -> list[str]:
        return [self.model_path] + sorted(self.adapter_paths)

    def health(self) -> BackendHealth:
        try:
            _import_stack()
        except BackendError as exc:
            return BackendHealth(ok=False, detail=str(exc))
        if self._base is None and not Path(self.model_path).exists():
            return BackendHealth(ok=False, detail=f"base model {self.model_path!r} not found locally")
        return BackendHealth(ok=True, detail=f"transformers+peft, base {self.model_path}",
                             models=self.list_models())

    def preload(self, model: str) -> None:
        """Load the base, and ``model`` too when it names an adapter."""
        with self._lock:
            self._ensure_base()
            if model in self.adapter_paths:
                self._ensure_adapter(model)

    def resident_adapters(self) -> list[str]:
        return list(self._resident)

    def stats(self) -> dict:
        switches = sorted(self.switch_ms)

        def pct(values, q):
            return values[min(len(values) - 1, int(q * len(values)))] if values else None

        return {"base_loads": self.base_loads, "adapter_loads": self.adapter_loads,
                "evictions": self.evictions, "resident": self.resident_adapters(),
                "active": self._active, "switches": len(switches),
                "switch_ms_median": statistics.median(switches) if switches else None,
                "switch_ms_p95": pct(switches, 0.95),
                "load_ms_median": statistics.median(self.load_ms) if self.load_ms else None}

    def close(self) -> None:
        with self._lock:
            self._peft = None
            self._base = None
            self._tokenizer = None
            self._resident.clear()
            self._active = None
