"""The streamed answer text that the CLI and the server both show."""

from triforce.orchestrator import Event
from triforce.orchestrator.render import StreamText
from triforce.orchestrator.synthesis import TOOLKIT_BANNER


def test_two_step_plan_gets_headings_repair_rules_and_a_summary():
    text = StreamText()
    pieces = [text.feed(e) for e in [
        Event("plan", data={"steps": [{"expert": "din"}, {"expert": "veran"}]}),
        Event("step_start", "din", data={"backend": "mock", "intent": "optimization"}),
        Event("token", "din", "faster"),
        Event("progress", "din", "repairing", data={"repair_round": 1}),
        Event("step_start", "veran", data={"backend": "toolkit", "intent": "analysis"}),
        Event("done", data={"summary": "| table |"}),
    ]]
    out = "".join(pieces)
    assert out.index("## din (optimization)") < out.index("faster") < out.index("repair round 1")
    assert out.index("## veran (analysis)") < out.index(TOOLKIT_BANNER)
    assert text.tokens and text.tail(None, "whole answer") == "\n\n| table |"


def test_nothing_streamed_means_the_whole_answer_is_the_text():
    text = StreamText()
    assert text.feed(Event("plan", data={"steps": [{"expert": "din"}]})) == ""
    assert not text.tokens
    assert text.tail(None, "whole answer") == "whole answer"
