import pytest

from triforce.router import RouteDecision, Router, RouterSettings
from triforce.router.routes import load_routes


@pytest.mark.parametrize("query,intents", [
    ("this eats half my NMI budget", ["optimization"]),
    ("screen goes black after the transition", ["debugging"]),
    ("write a routine that fades the screen in over 16 frames", ["generation"]),
    ("what does $2100 do", ["analysis"]),
    ("find the routine that draws hearts and make it faster", ["analysis", "optimization"]),
    ("optimize this and tell me what you changed", ["optimization", "analysis"]),
    ("hello", ["general"]),
    ("how do I reverse a string in python", ["general"]),
])
def test_routes_known_queries(router, query, intents):
    decision = router.route(query)
    assert isinstance(decision, RouteDecision)
    assert decision.intents == intents
    assert len(decision.experts) == len(decision.intents)
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.path in ("fast", "embedding")
    assert decision.latency_ms > 0


def test_to_dict_shape(router):
    data = router.route("optimize this loop").to_dict()
    assert {"query", "intents", "experts", "confidence", "scores", "path", "latency_ms"} <= set(data)
    assert data["experts"] == ["din"]


def test_top_k_policy(router):
    query = "find the routine that draws hearts and make it faster"
    assert len(router.route(query, top_k=1).intents) == 1
    topk = Router(router.table, model=router.model, settings=RouterSettings(policy="topk", top_k=1),
                  encoder=router.encoder())
    assert len(topk.route(query).intents) == 1


@pytest.mark.parametrize("query,code", [
    ("", "R001"),
    ("   \n\t ", "R001"),
    (b"\xff\xfe\x00\x01binary\x02\x03\x04\x05\x06\x07", "R002"),
    ("".join(chr(i % 32) for i in range(2000)), "R003"),
    ("ok \udcff bytes", "R002"),
])
def test_bad_input_gives_general_or_diagnostic(router, query, code):
    decision = router.route(query)
    assert code in [d.code for d in decision.diagnostics]
    assert decision.intents and decision.experts


def test_huge_query_is_cut_not_crashed(router):
    decision = router.route("make this faster please. " + "x" * 1_000_000)
    assert "R004" in [d.code for d in decision.diagnostics]
    assert decision.intents == ["optimization"]
    assert decision.latency_ms < 5000


def test_pasted_code_is_routed_by_its_ask(router):
    query = "this crashes the game, why?\n\nMyHook:\n    LDA $7EF36D\n    CMP #$08\n    BCS +\n    RTL"
    assert router.route(query).intents == ["debugging"]


def test_previous_expert_keeps_a_vague_follow_up(router):
    plain = router.route("and this one too")
    follow = router.route("and this one too", previous_expert="din")
    if plain.intents == ["general"]:
        assert follow.intents == ["optimization"] and follow.path.endswith("+previous")
    else:
        assert follow.intents == plain.intents


def test_keyword_mode_and_missing_model(tmp_path):
    from triforce.config import Config

    cfg = Config(data={"router": {"model": str(tmp_path / "none.npz")}})
    r = Router.load(cfg)
    assert "R021" in [d.code for d in r.diagnostics]
    d = r.route("disassemble this routine")
    assert d.path == "keyword" and d.intents == ["analysis"]
    kw = Router(load_routes(), settings=RouterSettings(mode="keyword"))
    assert kw.route("nothing matches here").intents == ["general"]


def test_bad_settings_are_diagnosed():
    from triforce.config import Config

    r = Router.load(Config(data={"router": {"mode": "psychic", "top_k": "two", "threshold": 0.4}}))
    assert [d.code for d in r.diagnostics].count("R030") == 2
    assert r.settings.mode == "auto" and r.settings.threshold == 0.4


def test_balance_moves_work_off_a_full_expert(router):
    decision = router.route("this eats half my NMI budget")
    same = router.balance(decision, {"din": 1}, {"din": 4})
    assert same.experts == ["din"]
    # din is full; no other intent is plausible enough, so the step waits for din.
    assert router.balance(decision, {"din": 4}, 4).experts == ["din"]
    moved = router.balance(decision, {"din": 4}, 4, min_score=0.0)
    assert moved.experts != ["din"] and moved.path.endswith("+balanced")


def test_concurrent_first_use_from_threads():
    from concurrent.futures import ThreadPoolExecutor

    r = Router.load()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda q: r.route(q).intents, ["optimize this loop"] * 8))
    assert results == [["optimization"]] * 8


def _with_gate(model, gate, **changes):
    import copy
    from dataclasses import replace

    clone = copy.copy(model)
    clone.fast = replace(model.fast, gate=gate, **changes)
    return clone


def test_full_decision_blends_in_the_fast_head(router):
    query = "can this be done in fewer bytes"
    fast = Router(router.table, model=_with_gate(router.model, 0.0), encoder=router.encoder()).route(query)
    only_fast = Router(router.table, model=_with_gate(router.model, 2.0, blend=1.0), encoder=router.encoder())
    only_full = Router(router.table, model=_with_gate(router.model, 2.0, blend=0.0), encoder=router.encoder())
    blended = only_fast.route(query)
    assert blended.path == "embedding" and fast.path == "fast"
    assert blended.scores == pytest.approx(fast.scores)
    assert only_full.route(query).scores != pytest.approx(fast.scores)


def test_packaged_model_has_a_fast_head_and_a_depth(router):
    assert router.model.fast is not None and 0.5 <= router.model.fast.gate <= 2.0
    assert router.encoder().layers == (router.model.encoder_layers or router.encoder().total_layers)


def test_fast_path_answers_without_loading_the_encoder(router, tmp_path):
    # An encoder folder that does not exist: any attempt to load it would be recorded.
    sure = Router(router.table, model=_with_gate(router.model, 0.0),
                  settings=RouterSettings(encoder=str(tmp_path / "no-encoder")))
    decision = sure.route("optimize this loop")
    assert decision.path == "fast" and decision.intents == ["optimization"]
    assert sure._encoder is None and sure._encoder_error is None
    multi = sure.route("find the routine that draws hearts and make it faster")
    assert multi.path == "fast" and sure._encoder is None
    # Gate above any confidence: the full model answers.
    never = Router(router.table, model=_with_gate(router.model, 2.0), encoder=router.encoder())
    assert never.route("optimize this loop").path == "embedding"
    # Disabled by setting, or skipped for an explicit top-k.
    off = Router(router.table, model=_with_gate(router.model, 0.0), encoder=router.encoder(),
                 settings=RouterSettings(fast_path=False))
    assert off.route("optimize this loop").path == "embedding"
    assert sure.route("optimize this loop", top_k=1).path in ("embedding", "keyword")


def test_fast_gate_setting_overrides_the_fitted_gate(router):
    from triforce.config import Config

    r = Router.load(Config(data={"router": {"fast_gate": 2}}))
    assert r.settings.fast_gate == 2.0 and r.route("optimize this loop").path == "embedding"


class _CountingEncoder:
    def __init__(self, inner):
        self.inner, self.dim, self.layers, self.calls = inner, inner.dim, inner.layers, []

    def encode(self, texts):
        self.calls.append(list(texts))
        return self.inner.encode(texts)


def test_ordering_never_encodes_clauses_one_by_one(router):
    import copy

    query = "find the routine that draws hearts and make it faster"
    counting = _CountingEncoder(router.encoder())
    full = Router(router.table, model=router.model, settings=RouterSettings(mode="embedding"), encoder=counting)
    assert full.route(query).intents == ["analysis", "optimization"]
    assert counting.calls == [[query]]  # clauses scored by the fast head: no encoder call
    no_fast = copy.copy(router.model)
    no_fast.fast = None
    counting.calls.clear()
    Router(router.table, model=no_fast, encoder=counting).route(query)
    # Without a fast head the clauses go through the encoder in one batched call.
    assert len(counting.calls) == 2 and counting.calls[1] == [
        "find the routine that draws hearts", "make it faster"]


def test_route_added_by_config_works_with_the_fitted_model(router):
    """A new intent shifts no feature column of the fitted model; it routes by keywords (R022)."""
    from triforce.config import Config

    cfg = Config(data={"router": {"routes": [{"intent": "music", "expert": "sheik", "description": "SPC700",
                                              "patterns": {r"\bspc700\b": 1.0}}]}})
    r = Router.load(cfg)
    assert "R022" in [d.code for d in r.diagnostics]
    r._encoder = router.encoder()
    for mode in ("auto", "embedding"):
        r.settings.mode = mode
        decision = r.route("my spc700 driver crashes on boot, please optimize the upload loop")
        assert decision.intents and "music" in decision.scores
