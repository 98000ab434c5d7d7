import textwrap

from triforce.config import load_config
from triforce.router.keywords import KeywordClassifier, lower_pattern
from triforce.router.routes import builtin_routes, load_routes

PROPOSAL = {
    "analysis": {r"\bdisassembl(e|y)": 1.0, r"\bROM\s+(map|structure|layout)\b": 1.0, r"\blocate\b": 0.7},
    "vulnerability": {r"\bexploit\b": 1.0, r"\buninitialized\b": 0.8},
    "architecture": {r"\brefactor\b": 0.9, r"\bhow\s+should\s+I\s+organiz(e)\b": 1.0},
    "integration": {r"\bhook\s+into\b": 0.9, r"\bwork\s+with\b": 0.6},
    "protection": {r"\bsanity\s+check\b": 1.0, r"\bsafe(ty|guard)?\b": 0.8},
    "mapping": {r"\bcall\s+(graph|tree)\b": 1.0, r"\bmap\b": 0.7},
}


def test_ten_intents_with_experts_and_examples():
    table = builtin_routes()
    assert not table.diagnostics
    assert table.intents == ["optimization", "generation", "debugging", "analysis", "vulnerability",
                             "architecture", "integration", "protection", "mapping", "general"]
    assert [table.expert_for(i) for i in table.intents] == [
        "din", "nayru", "farore", "veran", "ganon", "zelda", "link", "impa", "tingle", "fallback"]
    for route in table.routes.values():
        assert len(route.examples) >= 5 and route.patterns and route.description


def test_proposal_tables_are_kept():
    table = builtin_routes()
    for intent, patterns in PROPOSAL.items():
        have = dict(table.routes[intent].patterns)
        for pattern, weight in patterns.items():
            assert have[pattern] == weight


def test_keyword_scores_and_confidence():
    kw = KeywordClassifier(builtin_routes())
    result = kw.classify("Disassemble this and show me the ROM map")
    assert result.scores["analysis"] >= 2.0
    assert result.intents == ["analysis", "mapping"] or result.intents[0] == "analysis"
    assert 0.0 <= result.confidence("analysis") <= 1.0
    assert result.confidence("generation") == 0.0
    assert kw.classify("hello there").intents == ["general"]
    assert kw.classify("what a lovely day").intents == []
    # ordered by first match in the text
    assert kw.classify("find the routine that draws hearts and make it faster").intents == [
        "analysis", "optimization"]


def test_lower_pattern_keeps_escapes():
    assert lower_pattern(r"\bROM\S+\W") == r"\brom\S+\W"


def test_config_overrides_and_adds_routes(tmp_path):
    path = tmp_path / "triforce.toml"
    path.write_text(textwrap.dedent('''
        [[router.routes]]
        intent = "optimization"
        extend = true
        patterns = { '\\bsqueeze\\b' = 1.5 }
        examples = ["squeeze this"]

        [[router.routes]]
        intent = "music"
        expert = "sheik"
        description = "SPC700 music"
        patterns = { '\\bspc700\\b' = 1.0, '\\bbrr\\b' = 0.8 }

        [[router.routes]]
        intent = "mapping"
        patterns = { '(' = 1.0 }

        [[router.routes]]
        intent = "newone"
    '''))
    table = load_routes(load_config([path]))
    codes = sorted(d.code for d in table.diagnostics)
    assert codes == ["R012", "R013"]
    assert dict(table.routes["optimization"].patterns)[r"\bsqueeze\b"] == 1.5
    assert r"\bcycles?\b" in dict(table.routes["optimization"].patterns)  # extended, not replaced
    assert "squeeze this" in table.routes["optimization"].examples
    assert table.expert_for("music") == "sheik"
    kw = KeywordClassifier(table)
    assert kw.classify("squeeze it").intents == ["optimization"]
    assert kw.classify("my spc700 driver").intents == ["music"]


def test_required_literals_of_patterns():
    from triforce.router.keywords import required_literals

    assert required_literals(r"\b(faster|quicker|speed\s*up|speedup)\b") == ("faster", "quicker", "speed")
    assert required_literals(r"\bdisassembl(e|y)") == ("disassembl",)
    assert required_literals(r"\brom\s+(map|structure|layout)\b") == ("rom",)
    assert required_literals(r"\b(a|bc)?x") == ("x",)
    assert required_literals(r"\w+") is None          # nothing literal: always run
    assert required_literals(r"(foo|\d+)") is None    # one branch has no literal


def test_needle_prefilter_gives_the_same_scores_as_running_every_pattern(shared):
    """On every dev query: the substring prefilter never skips a pattern that matches."""
    import json

    from triforce.router.text import split_query

    kw = KeywordClassifier(builtin_routes())
    lines = (shared / "routing" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        prose = split_query(json.loads(line)["query"]).prose.lower()
        result = kw.classify(prose)
        for intent, patterns in kw.compiled.items():
            hits = [(regex.search(prose), weight) for regex, weight in patterns]
            assert abs(result.scores[intent] - sum(w for m, w in hits if m)) < 1e-9
            starts = [m.start() for m, _ in hits if m]
            assert result.positions.get(intent) == (min(starts) if starts else None)
