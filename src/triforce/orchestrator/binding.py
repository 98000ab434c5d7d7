"""Choosing a backend for an expert: the experts layer's resolver, a test factory,
or — with nothing configured or importable — the toolkit.

``backend_factory(expert_name, request)`` (tests, embedding apps) returns a
Backend, a :class:`Binding`, or anything shaped like ``experts.Resolved``.
Without a factory, the orchestrator's ``experts.Resolver`` decides (a local
Ollama with the model, else the toolkit) and supplies the fallback chain. The
toolkit is always the last fallback, so a dead model server still ends in an
answer.
"""

from __future__ import annotations

from dataclasses import replace

from triforce.diagnostics import Diagnostic, warning
from triforce.orchestrator.steps import TOOLKIT, Binding


def _candidate(item) -> Binding | None:
    """A fallback entry: a Binding, a Candidate-like object, or a registered backend name."""
    if isinstance(item, Binding):
        return item
    if isinstance(item, str):
        return _named(item)
    if hasattr(item, "backend_name"):
        make = getattr(item, "get", None)
        return Binding(getattr(item, "backend", None), str(item.backend_name),
                       str(getattr(item, "model", "") or ""), getattr(item, "adapter", None),
                       make=make if callable(make) else None)
    return None


def as_binding(obj, request) -> Binding:
    if isinstance(obj, Binding):
        return obj
    if hasattr(obj, "backend") and hasattr(obj, "backend_name"):
        fallbacks = [c for c in (_candidate(f) for f in (getattr(obj, "fallbacks", None) or []))
                     if c is not None]
        return Binding(obj.backend, str(obj.backend_name), str(getattr(obj, "model", "") or ""),
                       getattr(obj, "adapter", None), fallbacks)
    name = getattr(obj, "name", "") or "custom"
    return Binding(obj, str(name), request.model or "", None, [])


def _named(name: str) -> Binding | None:
    try:
        from triforce.backends.registry import create

        return Binding(None, name, name if name == TOOLKIT else "", None, [],
                       make=lambda: create(name))
    except Exception:
        return None


def toolkit_binding() -> Binding | None:
    """A lazily created toolkit Binding, or None when no toolkit backend is registered
    (callers cache it: the entry-point scan behind ``available()`` is slow)."""
    try:
        from triforce.backends.registry import available

        return _named(TOOLKIT) if TOOLKIT in available() else None
    except Exception:
        return None


def bind(expert_name: str, request, *, factory=None, resolver=None, toolkit: Binding | None = None,
         diagnostics: list[Diagnostic]) -> Binding | None:
    """A Binding for ``expert_name`` with its fallbacks, ending with ``toolkit``;
    None when nothing can answer."""
    binding = None
    if factory is not None:
        binding = as_binding(factory(expert_name, request), request)
    elif resolver is not None:
        try:
            resolved = resolver.resolve(expert_name, tier=request.tier, backend=request.backend,
                                        base_url=request.base_url, model=request.model)
            binding = as_binding(resolved, request)
            diagnostics.extend(d for d in getattr(resolved, "diagnostics", []) or []
                               if d not in diagnostics)
        except Exception as exc:   # a config error (unknown backend...) is the user's to fix
            hint = getattr(exc, "hint", "")
            diagnostics.append(warning("O030", f"cannot use the configured backend: {exc}"
                                               + (f" ({hint})" if hint and hint not in str(exc) else "")))
    if binding is not None and (binding.is_toolkit or any(f.is_toolkit for f in binding.fallbacks)):
        return binding
    if toolkit is None:
        return binding
    if binding is None:
        return toolkit
    # A copy: a factory may hand out the same Binding for every request.
    return replace(binding, fallbacks=list(binding.fallbacks) + [toolkit])
