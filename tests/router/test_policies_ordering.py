from triforce.router.ordering import clause_ranks, order_intents
from triforce.router.policies import balance_load, select_threshold, select_top_k
from triforce.router.text import clauses, split_query


def test_select_threshold_variable_count_and_general():
    th = dict.fromkeys(["a", "b", "c", "general"], 0.4)
    assert select_threshold({"a": 0.9, "b": 0.5, "c": 0.1, "general": 0.0}, th, min_confidence=0.2) == ["a", "b"]
    assert select_threshold({"a": 0.3, "b": 0.1, "c": 0.1, "general": 0.0}, th, min_confidence=0.2) == ["a"]
    assert select_threshold({"a": 0.1, "b": 0.1, "c": 0.1, "general": 0.0}, th, min_confidence=0.2) == ["general"]
    assert select_threshold({"a": 0.6, "b": 0.1, "c": 0.1, "general": 0.7}, th, min_confidence=0.2) == ["general"]
    assert select_threshold({"a": 0.9, "b": 0.8, "c": 0.7, "general": 0}, th, min_confidence=0, max_intents=2) == ["a", "b"]


def test_select_top_k():
    probs = {"a": 0.9, "b": 0.5, "c": 0.45, "general": 0.1}
    assert select_top_k(probs, 1, min_confidence=0.2) == ["a"]
    assert select_top_k(probs, 2, min_confidence=0.2) == ["a", "b"]
    assert select_top_k({"a": 0.1, "general": 0.05}, 1, min_confidence=0.2) == ["general"]


def test_balance_load():
    from triforce.router.decision import RouteDecision

    d = RouteDecision("q", ["optimization"], ["din"], 0.9,
                      {"optimization": 0.9, "generation": 0.5, "debugging": 0.1}, "embedding")
    expert_of = {"optimization": "din", "generation": "nayru", "debugging": "farore"}
    assert balance_load(d, {}, 2, expert_of=expert_of) is d
    moved = balance_load(d, {"din": 2}, {"din": 2, "nayru": 5}, expert_of=expert_of)
    assert moved.experts == ["nayru"] and moved.intents == ["optimization"]
    assert balance_load(d, {"din": 2, "nayru": 5}, {"din": 2, "nayru": 5}, expert_of=expert_of).experts == ["din"]


def test_split_query_strips_code():
    q = "why does this crash?\n```\nLDA $00\n```\n  STA $2100\nMyLabel:\n+ RTS\nthanks"
    parts = split_query(q)
    assert parts.has_code and parts.prose == "why does this crash?\n\nthanks"
    assert not split_query("plain words only").has_code


def test_clauses_and_ranks():
    assert clauses("find the routine that draws hearts and make it faster") == [
        "find the routine that draws hearts", "make it faster"]
    assert clauses("fix it, then comment it. thanks") == ["fix it", "comment it", "thanks"]
    parts = clauses("before you optimize it, explain what it does")
    assert clause_ranks(parts)[0] > clause_ranks(parts)[1]
    parts = clauses("optimize this, but first tell me what it does")
    assert clause_ranks(parts)[1] < clause_ranks(parts)[0]


def test_order_intents_by_clause_scores_and_keywords():
    prose = "optimize this and tell me what you changed"
    parts = clauses(prose)
    scores = [{"optimization": 0.9, "analysis": 0.1}, {"optimization": 0.2, "analysis": 0.8}]
    assert order_intents(["analysis", "optimization"], scores={}, clauses=parts, clause_scores=scores,
                         keyword_positions={}, prose=prose) == ["optimization", "analysis"]
    # no clause scores: keyword positions decide
    assert order_intents(["optimization", "analysis"], scores={}, clauses=parts, clause_scores=None,
                         keyword_positions={"analysis": 20, "optimization": 0},
                         prose=prose) == ["optimization", "analysis"]
    prose = "before you optimize it, explain what it does"
    parts = clauses(prose)
    scores = [{"optimization": 0.9, "analysis": 0.1}, {"optimization": 0.1, "analysis": 0.9}]
    assert order_intents(["optimization", "analysis"], scores={}, clauses=parts, clause_scores=scores,
                         keyword_positions={}, prose=prose) == ["analysis", "optimization"]


def test_prose_that_starts_like_code_is_kept():
    from triforce.router.text import assembly_mnemonics, is_code_line

    mnemonics = assembly_mnemonics()
    prose = ["JSL into my bank $3F routine and it returns somewhere random",
             "if all 16 sprite slots are in use, what happens here?",
             "bank $00 is basically full and I need 40 bytes", "fill in the body of this", "bank layout advice"]
    code = ["    LDA.w Table,y", "    JSL FindFreeSlot   ; returns slot in Y, $FF if none",
            "CMP #$01 : BNE + : JMP UseBow", "if !sa1 == 1", 'print "hello there my friend"',
            "db $01, $02, $03", "org $008000", '  incbin "pal/boss.pal"', "macro foo(a, b)", "rep 4 : nop"]
    assert [is_code_line(line, mnemonics) for line in prose] == [False] * len(prose)
    assert [is_code_line(line, mnemonics) for line in code] == [True] * len(code)
    parts = split_query("if all 16 sprite slots are in use, what's the worst case here?\n\n    TYX\n    STA $0E20,x")
    assert parts.has_code and parts.prose == "if all 16 sprite slots are in use, what's the worst case here?"
