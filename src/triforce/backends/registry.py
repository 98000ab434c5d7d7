"""Backend registry: built-in and third-party backends register the same way.

A backend package declares an entry point in the ``triforce.backends`` group
whose value is a factory (usually the class) called as ``factory(**options)``.
Triforce's own backends are declared in its ``pyproject.toml`` exactly like
that. ``extra_factories`` lets tests and embedding applications add factories
without installing a package.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Callable, Mapping

from triforce.backends.base import Backend, BackendError

ENTRY_POINT_GROUP = "triforce.backends"

# Fallback for running from a source tree that was never pip-installed (no
# entry-point metadata): the same names the pyproject declares.
_BUILTIN = {
    "mock": "triforce.backends.mock:MockBackend",
    "ollama": "triforce.backends.ollama:OllamaBackend",
    "openai": "triforce.backends.openai_compat:OpenAIBackend",
    "local": "triforce.backends.local:LocalBackend",
    "toolkit": "triforce.backends.toolkit:ToolkitBackend",
}


def _load_target(target: str) -> Callable[..., Backend]:
    module_name, _, attr = target.partition(":")
    import importlib

    return getattr(importlib.import_module(module_name), attr)


def available(extra_factories: Mapping[str, Callable[..., Backend]] | None = None) -> dict[str, str]:
    """Names of all registered backends mapped to where they come from."""
    names = {name: target for name, target in _BUILTIN.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        names[ep.name] = ep.value
    for name in extra_factories or {}:
        names[name] = "<runtime>"
    return names


def create(name: str, extra_factories: Mapping[str, Callable[..., Backend]] | None = None,
           **options) -> Backend:
    """Instantiate backend ``name`` with ``options``; unknown names raise BackendError."""
    if extra_factories and name in extra_factories:
        return extra_factories[name](**options)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()(**options)
    if name in _BUILTIN:
        return _load_target(_BUILTIN[name])(**options)
    raise BackendError(
        "config",
        f"unknown backend {name!r}",
        hint=f"choose one of: {', '.join(sorted(available(extra_factories)))}",
    )
