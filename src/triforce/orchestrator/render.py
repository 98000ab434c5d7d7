"""The answer as text while it streams: one rendering for every front end.

``triforce ask``/``chat`` print it to a terminal; ``triforce serve`` sends it
to OpenAI and Ollama clients. Both feed the orchestrator's events through
:class:`StreamText` so the same answer reads the same everywhere.
"""

from __future__ import annotations

from triforce.orchestrator.synthesis import TOOLKIT_BANNER


class StreamText:
    """Turns orchestrator events into the text a streaming client shows, the way
    ``triforce ask`` prints them: each expert's tokens (under a heading when the
    plan has several steps), a rule before each repair round, and at the end
    the answer's summary (verdicts and the verification table) that the tokens
    did not carry. With no tokens at all, the whole answer is the text."""

    def __init__(self):
        self.multi = False
        self.streamed = False        # any text went out
        self.tokens = False          # an expert's own tokens went out
        self.summary: str | None = None

    def feed(self, event) -> str:
        data = event.data if isinstance(event.data, dict) else {}
        kind = event.kind
        if kind == "plan":
            self.multi = len(data.get("steps") or []) > 1
        elif kind == "step_start":
            parts = []
            if self.multi:
                parts.append(f"{chr(10) * 2 if self.streamed else ''}## {event.expert} "
                             f"({data.get('intent', '')})\n\n")
            if data.get("backend") == "toolkit":
                parts.append(TOOLKIT_BANNER + "\n\n")
            return self._out("".join(parts))
        elif kind == "token":
            self.tokens = self.tokens or bool(event.text)
            return self._out(event.text or "")
        elif kind == "progress" and data.get("repair_round"):
            return self._out(f"\n\n--- repair round {data['repair_round']} "
                             "(the toolchain found problems) ---\n\n")
        elif kind == "done":
            self.summary = data.get("summary")
        return ""

    def _out(self, text: str) -> str:
        if text:
            self.streamed = True
        return text

    def tail(self, answer, markdown: str) -> str:
        if not self.streamed:
            return markdown
        summary = self.summary if self.summary is not None else getattr(answer, "summary", "")
        summary = (summary or "").strip()
        return "\n\n" + summary if summary else ""
