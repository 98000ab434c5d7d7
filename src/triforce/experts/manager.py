"""Keeping the right experts in memory: preload the predicted next one, evict by LRU.

After an expert is used, :class:`ModelManager`
* marks its model most recently used;
* asks the statistics which expert most often follows it
  (``Store.most_likely_next``, the most frequent transition) and preloads that
  expert's model in the background, so the next step starts warm;
* keeps at most ``keep_warm`` models and at most ``budget_gb`` of memory
  resident, unloading the least recently used ones (never the one in use).

It drives any backend with ``preload(model)`` and, for eviction,
``unload(model)`` (Ollama). Model sizes come from the backend when it reports
them (Ollama's ``/api/ps`` ``size_vram``), else from the tier table.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from triforce.backends.base import BackendError
from triforce.experts.registry import ExpertRegistry

GB = 1024 ** 3


@dataclass
class ManagerEvent:
    kind: str          # "use", "preload", "evict", "error"
    expert: str | None
    model: str
    detail: str = ""


class ModelManager:
    def __init__(self, backend, registry: ExpertRegistry, *, model_for: Callable[[str], str],
                 store=None, keep_warm: int = 2, budget_gb: float | None = None,
                 background: bool = True):
        self.backend = backend
        self.registry = registry
        self.model_for = model_for        # expert name -> the model this backend serves it with
        self.store = store
        self.keep_warm = max(1, int(keep_warm))
        self.budget_gb = budget_gb
        self.background = background
        self.events: list[ManagerEvent] = []
        self._warm: OrderedDict[str, float] = OrderedDict()     # model -> GB, oldest first
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @classmethod
    def for_resolver(cls, resolver, *, tier: str | None = None, backend: str | None = None,
                     **options) -> "ModelManager":
        """A manager for the backend ``resolver`` picks (a shared Resolver keeps one instance)."""
        first = next(iter(resolver.registry.experts))
        backend_obj = resolver.resolve(first, tier=tier, backend=backend).backend

        def model_for(expert: str) -> str:
            return resolver.resolve(expert, tier=tier, backend=backend).model

        return cls(backend_obj, resolver.registry, model_for=model_for, **options)

    # -- sizes -------------------------------------------------------------------
    def _size_gb(self, model: str) -> float:
        loaded = getattr(self.backend, "loaded_models", None)
        if loaded is not None:
            try:
                for entry in loaded():
                    if entry.get("name") == model or entry.get("model") == model:
                        size = entry.get("size_vram") or entry.get("size") or 0
                        if size:
                            return size / GB
            except BackendError:
                pass
        for tier in self.registry.tiers.values():
            names = {tier.ollama, tier.hf, tier.gguf}
            names |= {e.adapter_for("ollama", tier.name) for e in self.registry.experts.values()}
            if model in names:
                return tier.vram_q4_gb[1]
        return 0.0

    def warm_models(self) -> list[str]:
        with self._lock:
            return list(self._warm)

    # -- the policy --------------------------------------------------------------
    def on_use(self, expert: str) -> str | None:
        """Record that ``expert`` answered; returns the expert preloaded next, if any."""
        model = self.model_for(expert)
        with self._lock:
            self._warm[model] = self._warm.pop(model, None) or self._size_gb(model)
            self.events.append(ManagerEvent("use", expert, model))
            self._evict(keep=model)
        predicted = self.predict_next(expert)
        if predicted is None:
            return None
        next_model = self.model_for(predicted)
        if next_model == model:
            return None
        if self.background:
            thread = threading.Thread(target=self._preload, args=(predicted, next_model, model),
                                      daemon=True, name=f"preload-{predicted}")
            self._threads.append(thread)
            thread.start()
        else:
            self._preload(predicted, next_model, model)
        return predicted

    def predict_next(self, expert: str) -> str | None:
        finder = getattr(self.store, "most_likely_next", None)
        if finder is None:
            return None
        try:
            predicted = finder(expert)
        except Exception:       # statistics are advisory; a broken store must not stop answers
            return None
        return predicted if predicted in self.registry.experts and predicted != expert else None

    def _preload(self, expert: str, model: str, current: str) -> None:
        preload = getattr(self.backend, "preload", None)
        if preload is None:
            return
        with self._lock:
            if model in self._warm:
                self._warm.move_to_end(model)
                self._warm.move_to_end(current)   # the model in use stays the most recent
                return
        try:
            preload(model)
        except BackendError as exc:
            with self._lock:
                self.events.append(ManagerEvent("error", expert, model, str(exc)))
            return
        with self._lock:
            self._warm[model] = self._size_gb(model)
            if current in self._warm:
                self._warm.move_to_end(current)    # the model in use stays the most recent
            self.events.append(ManagerEvent("preload", expert, model))
            self._evict(keep=current, also_keep=model)

    def _evict(self, keep: str, also_keep: str | None = None) -> None:
        """Unload least recently used models beyond the count or memory budget (lock held)."""
        def over() -> bool:
            if len(self._warm) > self.keep_warm:
                return True
            return self.budget_gb is not None and sum(self._warm.values()) > self.budget_gb

        for model in list(self._warm):
            if not over():
                break
            if model in (keep, also_keep):
                continue
            del self._warm[model]
            unload = getattr(self.backend, "unload", None)
            try:
                if unload is not None:
                    unload(model)
                self.events.append(ManagerEvent("evict", None, model))
            except BackendError as exc:
                self.events.append(ManagerEvent("error", None, model, str(exc)))

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for background preloads (tests, shutdown)."""
        for thread in self._threads:
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]
