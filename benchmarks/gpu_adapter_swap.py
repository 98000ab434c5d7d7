"""One shared base with hot-swapped LoRA adapters vs one model per expert (GPU; not in CI).

    python benchmarks/gpu_adapter_swap.py [--out result.json]      # needs a CUDA GPU, ~20 GB
    python benchmarks/gpu_adapter_swap.py --tiny                   # CPU smoke check, seconds

Builds a Qwen2.5-Coder-7B-shaped model (Qwen2 config of the 7B: hidden 3584,
28 layers, 28 heads / 4 KV heads, MLP 18944, vocab 152064) with random
weights in fp16, and nine rank-64 LoRA adapters on q/k/v/o (the proposal's
config), saved to disk and loaded by name the way the local backend does.
Measures:
  * adapter switch latency (set_adapter between resident adapters, synchronised);
  * decode tokens/s without an adapter and with one;
  * memory with 1, 3 and 9 adapters resident;
  * the alternative: loading a separate full model per expert (time to load
    it from disk onto the device, and memory for nine of them).
Targets (issue 7): switch <= 50 ms median and >= 100x faster than loading a
separate model. Writes JSON (``--out``); its ``tiers.fast`` entry is the
measured base size, readable by ``triforce plan-vram --measured``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

SEVEN_B = dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
               num_attention_heads=28, num_key_value_heads=4, vocab_size=152064,
               max_position_embeddings=32768, rope_theta=1_000_000.0, tie_word_embeddings=False)
TINY = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, vocab_size=512, max_position_embeddings=512, tie_word_embeddings=False)
EXPERTS = ("din", "nayru", "farore", "veran", "ganon", "zelda", "link", "impa", "tingle")
GB = 1024 ** 3


def _sync(torch, device):
    if device == "cuda":
        torch.cuda.synchronize()


def _mem(torch, device) -> float | None:
    if device != "cuda":
        return None
    _sync(torch, device)
    return round(torch.cuda.memory_allocated() / GB, 3)


def _decode_tps(torch, model, device, tokens: int) -> float:
    """Greedy decode of ``tokens`` tokens (batch 1) with the KV cache; tokens per second."""
    ids = torch.randint(0, model.config.vocab_size, (1, 32), device=device)
    def cache_of(out):
        return out["cache"] if "cache" in out else out.get("past_key_values")

    with torch.inference_mode():
        out = model(input_ids=ids, use_cache=True)
        arg = "cache" if "cache" in out else "past_key_values"   # transformers 5 renamed it
        cache = cache_of(out)
        step = out.logits[:, -1:].argmax(-1)
        _sync(torch, device)
        started = time.perf_counter()
        for _ in range(tokens):
            out = model(input_ids=step, use_cache=True, **{arg: cache})
            cache = cache_of(out)
            step = out.logits[:, -1:].argmax(-1)
        _sync(torch, device)
    return tokens / (time.perf_counter() - started)


def run(tiny: bool, tokens: int, switches: int, workdir: Path) -> dict:
    import torch
    import transformers
    from peft import LoraConfig, PeftModel, get_peft_model

    device = "cpu" if tiny else "cuda"
    if tiny:
        torch.set_num_threads(1)      # a tiny model on a shared CPU: one thread is fastest
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU here; use --tiny for the CPU smoke check")
    dtype = torch.float32 if tiny else torch.float16
    dtype_key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    config = transformers.Qwen2Config(**(TINY if tiny else SEVEN_B))
    result: dict = {"shape": "tiny" if tiny else "qwen2.5-coder-7b", "device": device,
                    "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None}

    torch.manual_seed(0)
    started = time.perf_counter()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)            # build in fp16 directly: no 30 GB fp32 detour
    try:
        with torch.device(device):
            base = transformers.Qwen2ForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    base.eval()
    _sync(torch, device)
    result["base_init_s"] = round(time.perf_counter() - started, 2)
    result["base_gb"] = _mem(torch, device)

    # Save the base (for the separate-model comparison) and nine rank-64 adapters.
    base_dir = workdir / "base"
    base.save_pretrained(base_dir, safe_serialization=True)
    lora = LoraConfig(r=64, lora_alpha=128, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                      lora_dropout=0.0, init_lora_weights=False)
    for index, name in enumerate(EXPERTS):
        torch.manual_seed(100 + index)
        peft_model = get_peft_model(base, lora, adapter_name=name)
        # PEFT stores a non-default adapter in a sub-folder named after it: adapters/<name>/.
        peft_model.save_pretrained(workdir / "adapters", selected_adapters=[name])
        base = peft_model.unload()            # back to the plain base, LoRA layers removed
    adapter_mb = sum(f.stat().st_size for f in (workdir / "adapters" / "din").glob("*.safetensors")) / 2**20
    result["adapter_file_mb"] = round(adapter_mb, 1)

    tps_base = _decode_tps(torch, base, device, tokens)
    memory = {}
    load_times = []
    model = None
    for count, name in enumerate(EXPERTS, start=1):
        started = time.perf_counter()
        if model is None:
            model = PeftModel.from_pretrained(base, workdir / "adapters" / name, adapter_name=name)
            model.eval()
        else:
            model.load_adapter(workdir / "adapters" / name, adapter_name=name)
        _sync(torch, device)
        load_times.append(time.perf_counter() - started)
        if count in (1, 3, 9):
            memory[f"{count}_adapters_gb"] = _mem(torch, device)
    result["memory"] = memory
    result["adapter_load_ms_median"] = round(statistics.median(load_times) * 1000, 2)

    # Switch latency, as the local backend switches (per tuner layer, inference mode).
    from peft.tuners.tuners_utils import BaseTunerLayer

    layers = [m for m in model.modules() if isinstance(m, BaseTunerLayer)]
    times = []
    for index in range(switches):
        name = EXPERTS[index % len(EXPERTS)]
        _sync(torch, device)
        started = time.perf_counter()
        for layer in layers:
            layer.set_adapter(name, inference_mode=True)
        model.base_model.active_adapter = name
        _sync(torch, device)
        times.append(time.perf_counter() - started)
    times.sort()
    result["switch_ms"] = {"median": round(statistics.median(times) * 1000, 3),
                           "p95": round(times[int(0.95 * (len(times) - 1))] * 1000, 3), "n": len(times)}
    started = time.perf_counter()
    model.set_adapter("din")
    _sync(torch, device)
    result["peft_set_adapter_ms"] = round((time.perf_counter() - started) * 1000, 3)

    result["tokens_per_s"] = {"base": round(tps_base, 1),
                              "with_adapter": round(_decode_tps(torch, model, device, tokens), 1)}
    with model.disable_adapter():
        result["tokens_per_s"]["adapter_disabled"] = round(_decode_tps(torch, model, device, tokens), 1)

    # The alternative: a separate full model per expert, loaded when the expert is needed.
    del model, base
    if device == "cuda":
        torch.cuda.empty_cache()
    started = time.perf_counter()
    separate = transformers.Qwen2ForCausalLM.from_pretrained(base_dir, **{dtype_key: dtype}).to(device)
    _sync(torch, device)
    reload_s = time.perf_counter() - started
    one_model_gb = _mem(torch, device)
    del separate
    result["separate_model"] = {"load_s": round(reload_s, 3), "one_model_gb": one_model_gb,
                                "nine_models_gb": round(one_model_gb * 9, 2) if one_model_gb else None}
    result["speedup_switch_vs_reload"] = round(reload_s / (result["switch_ms"]["median"] / 1000), 1)
    if result["base_gb"]:
        result["tiers"] = {"fast": result["base_gb"]}
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny model on CPU (smoke check)")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--switches", type=int, default=200)
    parser.add_argument("--out", help="write the JSON result here")
    parser.add_argument("--workdir", help="where to save the model and adapters (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        result = run(args.tiny, args.tokens, args.switches, Path(args.workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="triforce-swap-") as tmp:
            result = run(args.tiny, args.tokens, args.switches, Path(tmp))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    switch = result["switch_ms"]["median"]
    print(f"\nadapter switch {switch:.3f} ms median (GPU target <= 50 ms); "
          f"{result['speedup_switch_vs_reload']:.0f}x faster than loading a separate model "
          f"(target >= 100x)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
