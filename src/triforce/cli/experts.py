"""``triforce experts``, ``export ollama``, ``deploy vllm|llama-server``, ``plan-vram``.

Thin handlers over triforce.experts; the library is imported inside each
handler so ``triforce --help`` stays fast.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

TIERS = ("fast", "balanced", "quality")


def _print_diagnostics(diagnostics) -> bool:
    errors = False
    for diag in diagnostics:
        print(diag.format(), file=sys.stderr)
        errors = errors or diag.is_error
    return errors


def _registry():
    from triforce.config import load_config
    from triforce.experts import load_registry

    config = load_config()
    _print_diagnostics(config.diagnostics)
    registry = load_registry(config)
    _print_diagnostics(registry.diagnostics)
    return config, registry


def _experts(args) -> int:
    from triforce.backends.base import BackendError
    from triforce.experts import Resolver
    from triforce.experts.status import expert_statuses

    config, registry = _registry()
    resolver = Resolver(config, registry=registry)
    try:
        statuses = expert_statuses(resolver, tier=args.tier, backend=args.backend,
                                   base_url=args.base_url, check=not args.no_check)
    except BackendError as exc:
        print(f"triforce: {exc}", file=sys.stderr)
        return 1
    finally:
        resolver.close()
    if args.json:
        print(json.dumps([s.to_dict() for s in statuses], indent=2))
        return 0
    header = ["EXPERT", "INTENT", *[t.upper() for t in TIERS], "ADAPTER", "BACKEND", "MODEL", "NOW"]
    rows = []
    for s in statuses:
        expert = registry.experts.get(s.name)
        adapter = s.adapter
        if adapter is None and expert is not None and s.backend in ("ollama", "toolkit"):
            # Ollama serves an adapter as a model of its own (`triforce export ollama`).
            adapter = expert.adapter_for("ollama", args.tier or "fast")
        model = "-" if s.backend == "toolkit" else s.model
        rows.append([s.name, s.intent, *[s.models[t] for t in TIERS], adapter or "-", s.backend,
                     model or "-", "yes" if s.reachable else "no"])
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    details = {s.detail for s in statuses if s.detail}
    for detail in sorted(details):
        print(f"  - {detail}")
    return 0


def _export_ollama(args) -> int:
    from triforce.experts.serving import export_ollama

    _, registry = _registry()
    out = Path(args.out)
    try:
        result = export_ollama(registry, out, tier=args.tier, names=args.expert or None)
    except OSError as exc:
        print(f"triforce: cannot write to {out}: {exc}", file=sys.stderr)
        return 1
    _print_diagnostics(result.diagnostics)
    if not result.files:
        print("triforce: no expert matched", file=sys.stderr)
        return 1
    print(f"# wrote {len(result.files)} Modelfiles to {out}; build the models with:")
    for command in result.commands():
        print(command)
    return 0


def _deploy(args) -> int:
    from triforce.experts.serving import config_snippet, llama_server_command, vllm_command

    _, registry = _registry()
    if args.server == "vllm":
        argv = vllm_command(registry, tier=args.tier, model=args.model, host=args.host,
                            port=args.port or 8000)
        flavor, model = "vllm", args.model or registry.tiers[args.tier].hf
    else:
        argv = llama_server_command(registry, tier=args.tier, model=args.model, host=args.host,
                                    port=args.port or 8080)
        flavor, model = "llama-server", args.model or registry.tiers[args.tier].gguf
    print(" ".join(shlex.quote(a) for a in argv))
    url = f"http://{args.host}:{args.port or (8000 if args.server == 'vllm' else 8080)}/v1"
    print("\n# then in triforce.toml:")
    print("\n".join(f"# {line}" if line else "#" for line in config_snippet(flavor, url, model).splitlines()))
    return 0


def _plan_vram(args) -> int:
    from triforce.backends.base import BackendError
    from triforce.experts.vram import (load_measurements, measure_gpu, measurements_from_ollama,
                                       plan_vram)

    _, registry = _registry()
    vram = args.vram
    source = "--vram"
    if vram is None:
        vram = measure_gpu()
        source = "measured GPU"
        if vram is None:
            print("triforce: no GPU found here; pass --vram GB", file=sys.stderr)
            return 2
    if vram <= 0:
        print("triforce: --vram must be positive", file=sys.stderr)
        return 2
    measured: dict[str, float] = {}
    if args.measured:
        try:
            measured.update(load_measurements(Path(args.measured)))
        except (OSError, ValueError) as exc:
            print(f"triforce: cannot read {args.measured}: {exc}", file=sys.stderr)
            return 1
    if args.from_ollama:
        from triforce.backends.ollama import OllamaBackend

        try:
            with OllamaBackend(args.from_ollama if args.from_ollama != "default" else None,
                               retries=0, connect_timeout=0.5, timeout=3) as backend:
                measured.update(measurements_from_ollama(backend.loaded_models(), registry))
        except BackendError as exc:
            print(f"triforce: {exc}", file=sys.stderr)
            return 1
    plan = plan_vram(vram, registry, headroom=args.headroom, measured=measured)
    if args.json:
        print(json.dumps(plan.to_dict() | {"vram_source": source}, indent=2))
        return 0
    print(f"GPU memory {vram:.1f} GB ({source}); planning for {plan.usable_gb:.1f} GB "
          f"({args.headroom:.0%} headroom); sizes: {plan.source}")
    print("\nShared base with hot-swapped adapters (llama-server, vLLM, local):")
    for fit in plan.tiers:
        mark = "fits" if fit.fits else "too big"
        print(f"  {fit.tier:<9} base {fit.base_gb:5.1f} GB{' (measured)' if fit.measured else ''}"
              f" + adapters {fit.adapters_gb:4.2f} GB = {fit.total_gb:5.1f} GB  {mark}")
    print(f"  -> recommended tier: {plan.shared_tier or 'none (use the toolkit or CPU)'}")
    if plan.stretch:
        print(f"  -> stretch: {plan.stretch}")
    print(f"\nOne model per expert (Ollama); {plan.warm_models} can stay warm at once:")
    for item in plan.experts:
        print(f"  {item.expert:<9} {item.tier or '-':<9} {item.reason}")
    return 1 if _print_diagnostics(plan.diagnostics) else 0


def register(sub) -> None:
    p = sub.add_parser("experts", help="list experts, their models per tier and whether they answer now")
    p.add_argument("--tier", choices=TIERS, help="tier to resolve (default: config or fast)")
    p.add_argument("--backend", help="check this backend instead of the automatic choice")
    p.add_argument("--base-url", help="server address for --backend")
    p.add_argument("--no-check", action="store_true", help="do not contact any server")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_experts)

    p = sub.add_parser("export", help="write serving configs for the experts")
    export_sub = p.add_subparsers(dest="target", metavar="TARGET")
    e = export_sub.add_parser("ollama", help="one Modelfile per expert (FROM, ADAPTER, SYSTEM, TEMPLATE)")
    e.add_argument("--tier", choices=TIERS, default="fast")
    e.add_argument("--out", default="modelfiles", help="output folder (default: ./modelfiles)")
    e.add_argument("--expert", action="append", help="only this expert (repeatable)")
    e.set_defaults(handler=_export_ollama)
    p.set_defaults(handler=lambda args, parser=p: (parser.print_help(), 2)[1])

    p = sub.add_parser("deploy", help="print the command that serves every expert's adapter")
    deploy_sub = p.add_subparsers(dest="server", metavar="SERVER")
    for server, text in (("vllm", "vllm serve --enable-lora --lora-modules ..."),
                         ("llama-server", "llama-server --lora a.gguf,b.gguf ...")):
        d = deploy_sub.add_parser(server, help=text)
        d.add_argument("--tier", choices=TIERS, default="fast")
        d.add_argument("--model", help="base model (default: the tier's)")
        d.add_argument("--host", default="127.0.0.1")
        d.add_argument("--port", type=int)
        d.set_defaults(handler=_deploy)
    p.set_defaults(handler=lambda args, parser=p: (parser.print_help(), 2)[1])

    p = sub.add_parser("plan-vram", help="recommend a tier per expert for a GPU's memory")
    p.add_argument("--vram", type=float, metavar="GB", help="GPU memory in GB (default: measured)")
    p.add_argument("--headroom", type=float, default=0.2, help="fraction kept free (default 0.2)")
    p.add_argument("--measured", metavar="FILE", help="JSON of measured model sizes per tier")
    p.add_argument("--from-ollama", nargs="?", const="default", metavar="URL",
                   help="use the sizes of models resident in Ollama (/api/ps)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_plan_vram)
