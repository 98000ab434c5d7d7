"""The Router: keyword patterns + embedding classifier -> an ordered plan of experts."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from triforce.diagnostics import Diagnostic, error, note, warning
from triforce.router.decision import RouteDecision
from triforce.router.keywords import KeywordClassifier, KeywordResult
from triforce.router.ordering import order_intents
from triforce.router.policies import balance_load, select_threshold, select_top_k
from triforce.router.routes import FALLBACK_EXPERT, GENERAL, RouteTable, load_routes
from triforce.router.text import clauses as split_clauses
from triforce.router.text import split_query

MODEL_FILENAME = "router_model.npz"
_FOLLOW_UP = re.compile(r"\b(it|this|that|now|also|again|same|too)\b", re.IGNORECASE)


@dataclass
class RouterSettings:
    """``[router]`` settings. ``mode``: ``auto`` (the fitted model, with its
    encoder-free fast path when that is sure), ``keyword`` or ``embedding``
    (always the full model)."""

    mode: str = "auto"
    policy: str = "threshold"         # or "topk"
    top_k: int = 1                    # k for the "topk" policy
    max_intents: int = 3
    threshold: float | None = None    # overrides the fitted per-intent thresholds
    min_confidence: float | None = None
    fast_path: bool = True            # answer without the encoder when the fast head is sure
    fast_gate: float | None = None    # overrides the fitted fast-path confidence gate
    model: str | None = None          # path of a fitted model (.npz)
    encoder: str | None = None        # folder of an all-MiniLM-L6-v2 style model

    @classmethod
    def from_config(cls, config) -> tuple[RouterSettings, list[Diagnostic]]:
        section = config.section("router") if config is not None else {}
        settings = cls()
        diags: list[Diagnostic] = []
        for name, kind in (
            ("mode", str), ("policy", str), ("top_k", int), ("max_intents", int),
            ("threshold", float), ("min_confidence", float), ("fast_path", bool),
            ("fast_gate", float), ("model", str), ("encoder", str),
        ):
            if name not in section:
                continue
            value = section[name]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                diags.append(warning("R030", f"[router] {name} = {value!r} ignored (expected {kind.__name__})"))
                continue
            setattr(settings, name, value)
        if settings.mode not in ("auto", "keyword", "embedding"):
            diags.append(warning("R030", f"[router] mode {settings.mode!r} unknown; using auto"))
            settings.mode = "auto"
        if settings.policy not in ("threshold", "topk"):
            diags.append(warning("R030", f"[router] policy {settings.policy!r} unknown; using threshold"))
            settings.policy = "threshold"
        return settings, diags


def packaged_model_path() -> Path:
    return Path(str(resources.files("triforce.router").joinpath("data", MODEL_FILENAME)))


def user_model_path() -> Path:
    from triforce.config import user_data_dir

    return user_data_dir() / MODEL_FILENAME


def _clean_query(query) -> tuple[str, list[Diagnostic]]:
    """Any input -> text the classifiers can read, with diagnostics for what changed."""
    diags: list[Diagnostic] = []
    if isinstance(query, (bytes, bytearray)):
        try:
            query = bytes(query).decode("utf-8")
        except UnicodeDecodeError:
            query = bytes(query).decode("utf-8", "replace")
            diags.append(warning("R002", "query is not valid UTF-8; undecodable bytes replaced"))
    elif not isinstance(query, str):
        query = "" if query is None else str(query)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in query):
        # A command-line argument with non-UTF-8 bytes arrives as lone surrogates.
        query = query.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        diags.append(warning("R002", "query is not valid UTF-8; undecodable bytes replaced"))
    if "\x00" in query:
        query = query.replace("\x00", "")
    return query, diags


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    odd = sum(1 for c in sample if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r"))
    return odd / len(sample) > 0.2


class Router:
    def __init__(self, table: RouteTable, *, model=None, settings: RouterSettings | None = None,
                 diagnostics: list[Diagnostic] | None = None, encoder=None):
        self.table = table
        self.settings = settings or RouterSettings()
        self.keyword = KeywordClassifier(table)
        self.model = model
        self.diagnostics = list(diagnostics or [])
        self._encoder = encoder
        self._encoder_error: str | None = None
        self._featurizer = None
        self._mnemonics = None
        self._lock = threading.Lock()  # the server routes from several threads

    # -- construction --------------------------------------------------------------
    @classmethod
    def load(cls, config=None) -> Router:
        """Built-in routes + config overrides + the fitted model (the user's
        ``route fit`` output first, else the packaged one)."""
        from triforce.router.classifier import IntentModel

        table = load_routes(config)
        settings, diags = RouterSettings.from_config(config)
        diags = table.diagnostics + diags
        model = None
        if settings.mode != "keyword":
            candidates = [Path(settings.model).expanduser()] if settings.model else [user_model_path(), packaged_model_path()]
            for path in candidates:
                if not path.is_file():
                    if settings.model:
                        diags.append(error("R021", f"router model {path} not found; using keyword routing"))
                    continue
                try:
                    model = IntentModel.load(path)
                    model.meta.setdefault("path", str(path))
                    break
                except (OSError, ValueError, KeyError) as exc:
                    diags.append(warning("R021", f"cannot read router model {path}: {exc}"))
            if model is not None:
                missing = [i for i in table.intents if i not in model.intents]
                if missing:
                    diags.append(warning(
                        "R022", f"fitted router model lacks intents {', '.join(missing)}; "
                        "they route by keywords until `triforce route fit`"))
        return cls(table, model=model, settings=settings, diagnostics=diags)

    # -- model side (lazy) ---------------------------------------------------------
    def encoder(self):
        """The sentence encoder at the fitted model's depth, loaded on first use."""
        with self._lock:
            if self._encoder is None and self._encoder_error is None:
                from triforce.router.encoder import EncoderUnavailable, MiniLMEncoder

                model = self.model
                try:
                    encoder = MiniLMEncoder(self.settings.encoder,
                                            layers=model.encoder_layers if model is not None else None,
                                            pool_layers=model.encoder_pool if model is not None else None)
                    encoder.encode(["warm up"])  # builds the layer weights once, under the lock
                    self._encoder = encoder
                except EncoderUnavailable as exc:
                    self._encoder_error = str(exc)
            return self._encoder

    def _embed(self, texts: list[str]):
        return self.encoder().encode(texts)

    def featurizer(self):
        """Feature rows for the fitted model; the encoder is only touched for
        full rows, so the fast path never loads it."""
        if self._featurizer is None and self.model is not None:
            from triforce.router.features import Featurizer

            model = self.model
            featurizer = Featurizer(
                self._embed, self.keyword, embedding_dim=0, bow_buckets=model.bow_buckets,
                bow_value=model.bow_value, use_keywords=model.use_keywords, keyword_intents=model.intents,
                domain_features=model.domain_features,
            )
            featurizer.embedding_dim = int(model.weights.shape[0]) - featurizer.cheap_width
            self._featurizer = featurizer
        return self._featurizer

    # -- routing -------------------------------------------------------------------
    def route(self, query, *, top_k: int | None = None, previous_expert: str | None = None) -> RouteDecision:
        start = time.perf_counter()
        text, diags = _clean_query(query)
        decision, loading = self._route_text(text, diags, top_k=top_k, previous_expert=previous_expert)
        # A one-time encoder load is not part of a decision's latency.
        decision.latency_ms = (time.perf_counter() - start - loading) * 1000.0
        return decision

    def _decision(self, text, intents, scores, confidence, path, diags) -> RouteDecision:
        experts = [self.table.expert_for(i) if i != GENERAL else FALLBACK_EXPERT for i in intents]
        return RouteDecision(
            query=text, intents=intents, experts=experts,
            confidence=float(min(1.0, max(0.0, confidence))),
            scores={k: float(v) for k, v in scores.items()}, path=path, diagnostics=diags,
        )

    def _route_text(self, text: str, diags: list[Diagnostic], *, top_k, previous_expert) -> tuple[RouteDecision, float]:
        """The decision and the seconds spent loading the encoder for it."""
        if not text.strip():
            diags.append(warning("R001", "empty query; nothing to route"))
            return self._decision(text, [GENERAL], {GENERAL: 1.0}, 1.0, "empty", diags), 0.0
        if _looks_binary(text):
            diags.append(warning("R003", "query looks like binary data, not a question"))
            return self._decision(text, [GENERAL], {GENERAL: 1.0}, 1.0, "binary", diags), 0.0
        if self._mnemonics is None:
            from triforce.router.text import assembly_mnemonics

            self._mnemonics = assembly_mnemonics()
        parts = split_query(text, self._mnemonics)
        if parts.truncated:
            diags.append(note("R004", "query is very long; only its beginning was read"))
        kw = self.keyword.classify(parts.prose)

        if self.settings.mode == "keyword" or self.model is None:
            if self.settings.mode != "keyword":
                diags.append(note("R020", "no fitted router model; keyword routing"))
            return self._keyword_decision(text, kw, diags, "keyword", top_k), 0.0
        cheap = self.featurizer().cheap_rows([parts.prose], [parts.has_code], [kw])
        fast = self.model.fast
        fast_probs = fast.predict_proba(cheap)[0] if fast is not None else None
        if (fast is not None and self.settings.mode == "auto" and self.settings.fast_path
                and top_k is None and self.settings.policy == "threshold"):
            chosen, confidence = self._fast_choice(fast_probs)
            gate = self.settings.fast_gate if self.settings.fast_gate is not None else fast.gate
            if confidence >= gate:
                probs = self._probabilities(fast_probs, kw)
                return self._model_decision(text, parts, kw, probs, chosen, "fast", diags, previous_expert), 0.0
        loading = 0.0
        if self._encoder is None:
            load_start = time.perf_counter()
            self.encoder()
            loading = time.perf_counter() - load_start
        if self._encoder is None:
            diags.append(warning("R020", f"embedding router unavailable ({self._encoder_error}); keyword routing"))
            return self._keyword_decision(text, kw, diags, "keyword", top_k), loading
        row = self.featurizer().rows([parts.prose], [parts.has_code], cheap=cheap)
        full_probs = self.model.predict_proba(row)[0]
        if fast is not None and fast.blend > 0:
            # The fitted blend: the two heads err differently, their mix beats either.
            full_probs = (1.0 - fast.blend) * full_probs + fast.blend * fast_probs
        probs = self._probabilities(full_probs, kw)
        chosen = self._choose(probs, top_k)
        return self._model_decision(text, parts, kw, probs, chosen, "embedding", diags, previous_expert), loading

    def _fast_choice(self, probs_vec) -> tuple[list[str], float]:
        """The fast head's intents and the probability that they are exactly right."""
        import numpy as np

        from triforce.router.classifier import decision_confidence

        fast = self.model.fast
        intents = self.model.intents
        chosen = select_threshold(dict(zip(intents, (float(p) for p in probs_vec))),
                                  dict(zip(intents, (float(t) for t in fast.thresholds))),
                                  min_confidence=fast.min_confidence, max_intents=self.settings.max_intents)
        mask = np.array([i in chosen for i in intents])
        return chosen, float(decision_confidence(probs_vec, mask))

    def _probabilities(self, probs_vec, kw: KeywordResult) -> dict[str, float]:
        probs = {name: float(p) for name, p in zip(self.model.intents, probs_vec)}
        # Intents added by config after the model was fitted: keyword confidence.
        for intent in self.table.intents:
            if intent not in probs:
                probs[intent] = kw.confidence(intent) if intent in kw.intents else 0.0
        for intent in list(probs):
            if intent not in self.table.routes:
                del probs[intent]  # removed by config
        return probs

    def _choose(self, probs: dict[str, float], top_k) -> list[str]:
        model = self.model
        fitted = dict(zip(model.intents, (float(t) for t in model.thresholds)))
        thresholds = {
            i: self.settings.threshold if self.settings.threshold is not None else fitted.get(i, 0.5)
            for i in probs
        }
        min_conf = self.settings.min_confidence
        if min_conf is None:
            min_conf = float(model.meta.get("min_confidence", 0.0))
        if top_k or self.settings.policy == "topk":
            return select_top_k(probs, top_k or self.settings.top_k, min_confidence=min_conf)
        return select_threshold(probs, thresholds, min_confidence=min_conf, max_intents=self.settings.max_intents)

    def _keyword_decision(self, text, kw: KeywordResult, diags, path, top_k) -> RouteDecision:
        scores = {i: kw.confidence(i) for i in self.table.intents}
        intents = [i for i in kw.intents]
        k = top_k or (self.settings.top_k if self.settings.policy == "topk" else self.settings.max_intents)
        if intents and intents != [GENERAL]:
            keep = set(sorted(intents, key=lambda i: -scores[i])[:k])
            intents = [i for i in intents if i in keep]
        if not intents:
            intents = [GENERAL]
            confidence = 1.0 - max((v for i, v in scores.items() if i != GENERAL), default=0.0)
            scores[GENERAL] = max(scores.get(GENERAL, 0.0), confidence)
        else:
            confidence = min(scores[i] for i in intents)
        return self._decision(text, intents, scores, confidence, path, diags)

    def _model_decision(self, text, parts, kw, probs, chosen, path, diags, previous_expert) -> RouteDecision:
        if chosen == [GENERAL] and previous_expert and probs.get(GENERAL, 0.0) < 0.5 and _FOLLOW_UP.search(parts.prose):
            # A short follow-up ("now make it faster too") keeps the conversation's expert
            # when nothing else is confident.
            for intent, route in self.table.routes.items():
                if route.expert == previous_expert and intent != GENERAL:
                    chosen, path = [intent], path + "+previous"
                    break
        if len(chosen) > 1:
            chosen = self._order(chosen, parts, kw, probs)
        if chosen == [GENERAL]:
            confidence = max(probs.get(GENERAL, 0.0), 1.0 - max(v for i, v in probs.items() if i != GENERAL))
        else:
            confidence = min(probs[i] for i in chosen)
        return self._decision(text, chosen, probs, confidence, path, diags)

    def _order(self, chosen, parts, kw, probs) -> list[str]:
        """Execution order; clauses are scored by the fast head (no encoder), or
        by the full model in one batched encoder call when there is no fast head."""
        pieces = split_clauses(parts.prose)
        clause_scores = None
        if len(pieces) > 1:
            featurizer = self.featurizer()
            cheap = featurizer.cheap_rows(pieces, [parts.has_code] * len(pieces))
            if self.model.fast is not None:
                matrix = self.model.fast.predict_proba(cheap)
            else:
                matrix = self.model.predict_proba(featurizer.rows(pieces, [parts.has_code] * len(pieces), cheap=cheap))
            clause_scores = [dict(zip(self.model.intents, (float(x) for x in r))) for r in matrix]
        return order_intents(
            chosen, scores=probs, clauses=pieces, clause_scores=clause_scores,
            keyword_positions=kw.positions, prose=parts.prose,
        )

    # -- policies the orchestrator calls --------------------------------------------
    def balance(self, decision: RouteDecision, queue_depths: dict[str, int],
                capacity: dict[str, int] | int, *, min_score: float = 0.3) -> RouteDecision:
        expert_of = {intent: route.expert for intent, route in self.table.routes.items()}
        return balance_load(decision, queue_depths, capacity, expert_of=expert_of, min_score=min_score)
