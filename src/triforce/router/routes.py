"""Routes as data: the packaged ``data/routes.toml`` plus user overrides.

A user's ``triforce.toml`` may add or replace routes::

    [router]
    threshold = 0.5             # embedding probability for an intent to count
    [[router.routes]]
    intent = "optimization"     # same intent: fields given here replace the built-in ones
    patterns = { '\\bsqueeze\\b' = 0.9 }
    examples = ["squeeze this routine"]
    extend = true               # merge patterns/examples into the built-in ones instead

A new intent needs ``expert`` too.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import resources

from triforce.diagnostics import Diagnostic, SourceSpan, error, warning

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GENERAL = "general"
FALLBACK_EXPERT = "fallback"


@dataclass(frozen=True)
class Route:
    intent: str
    expert: str
    description: str = ""
    patterns: tuple[tuple[str, float], ...] = ()
    threshold: float = 0.7
    examples: tuple[str, ...] = ()


@dataclass
class RouteTable:
    routes: dict[str, Route]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def intents(self) -> list[str]:
        return list(self.routes)

    def expert_for(self, intent: str) -> str:
        route = self.routes.get(intent)
        return route.expert if route else FALLBACK_EXPERT


def _route_from_dict(entry: dict, base: Route | None, source: str) -> tuple[Route | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    span = SourceSpan(source)
    intent = entry.get("intent")
    if not isinstance(intent, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", intent):
        return None, [error("R010", f"route needs an 'intent' name (lower case): {intent!r}", span)]
    extend = bool(entry.get("extend", False))
    patterns: dict[str, float] = dict(base.patterns) if base and extend else {}
    raw_patterns = entry.get("patterns")
    if raw_patterns is None and base and not extend:
        patterns = dict(base.patterns)
    elif raw_patterns is not None:
        if not isinstance(raw_patterns, dict):
            diags.append(error("R011", f"route {intent}: 'patterns' must be a table regex = weight", span))
            raw_patterns = {}
        for pattern, weight in raw_patterns.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                diags.append(error("R012", f"route {intent}: bad pattern {pattern!r}: {exc}", span))
                continue
            if not isinstance(weight, (int, float)) or isinstance(weight, bool):
                diags.append(error("R011", f"route {intent}: weight of {pattern!r} must be a number", span))
                continue
            patterns[pattern] = float(weight)
    examples = list(base.examples) if base and (extend or "examples" not in entry) else []
    raw_examples = entry.get("examples", [])
    if not isinstance(raw_examples, list) or not all(isinstance(e, str) for e in raw_examples):
        diags.append(error("R011", f"route {intent}: 'examples' must be a list of strings", span))
        raw_examples = []
    examples.extend(e for e in raw_examples if e not in examples)
    expert = entry.get("expert", base.expert if base else None)
    if not isinstance(expert, str) or not expert:
        return None, diags + [error("R013", f"new route {intent} needs an 'expert'", span)]
    threshold = entry.get("threshold", base.threshold if base else 0.7)
    if not isinstance(threshold, (int, float)) or not 0 < float(threshold) <= 10:
        diags.append(warning("R014", f"route {intent}: threshold {threshold!r} ignored", span))
        threshold = base.threshold if base else 0.7
    route = Route(
        intent=intent,
        expert=expert,
        description=str(entry.get("description", base.description if base else "")),
        patterns=tuple(patterns.items()),
        threshold=float(threshold),
        examples=tuple(examples),
    )
    return route, diags


def builtin_routes() -> RouteTable:
    text = resources.files("triforce.router").joinpath("data/routes.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    routes: dict[str, Route] = {}
    diags: list[Diagnostic] = []
    for entry in data.get("routes", []):
        route, found = _route_from_dict(entry, None, "routes.toml")
        diags.extend(found)
        if route:
            routes[route.intent] = route
    return RouteTable(routes, diags)


def load_routes(config=None) -> RouteTable:
    """Built-in routes with ``[[router.routes]]`` from ``config`` applied."""
    table = builtin_routes()
    section = config.section("router") if config is not None else {}
    entries = section.get("routes", [])
    if not isinstance(entries, list):
        table.diagnostics.append(error("R011", "[router] routes must be an array of tables"))
        return table
    source = str(config.sources[-1]) if config is not None and config.sources else "<config>"
    for entry in entries:
        if not isinstance(entry, dict):
            table.diagnostics.append(error("R011", "each [[router.routes]] entry must be a table", SourceSpan(source)))
            continue
        route, found = _route_from_dict(entry, table.routes.get(entry.get("intent")), source)
        table.diagnostics.extend(found)
        if route:
            table.routes[route.intent] = route
    return table
