"""``triforce ask`` and ``triforce chat``: thin commands over the orchestrator.

Tokens stream to stdout as they arrive; progress while the toolchain runs goes
to stderr; the verification table follows the experts' text. ``--json`` prints
the structured answer instead (issue 4's keys). Code comes from ``--file``,
from stdin when it is not a terminal, or from ``-`` as the query.
"""

from __future__ import annotations

import json
import sys

TIERS = ("fast", "balanced", "quality")
PLANS = ("single", "sequence", "ensemble")
CODE_FENCE = "```"


def _common(parser) -> None:
    parser.add_argument("--expert", help="force one expert (din, nayru, farore, ...)")
    parser.add_argument("--tier", choices=TIERS, help="model size tier")
    parser.add_argument("--backend", help="backend name (ollama, openai, local, toolkit, ...)")
    parser.add_argument("--base-url", dest="base_url", help="the backend server's URL")
    parser.add_argument("--model", help="model name on the backend")
    parser.add_argument("--max-repair-rounds", dest="max_repair_rounds", type=int, default=None,
                        metavar="N", help="rounds of toolchain feedback per expert (config default 2)")
    parser.add_argument("--plan", choices=PLANS, help="force the plan's shape")
    parser.add_argument("--samples", type=int, default=None, metavar="N",
                        help="ensemble: N answers of one expert, the best verified one is shown")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="seconds per model call")
    parser.add_argument("-I", "--include", dest="include_dirs", action="append", default=[],
                        metavar="DIR", help="include path the checks may read (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the structured answer as JSON")
    parser.add_argument("--no-log", dest="no_log", action="store_true",
                        help="do not store the request in the request log")


def register(sub) -> None:
    ask = sub.add_parser("ask", help="ask the experts; every piece of code is checked",
                         description="Ask a question; the router picks experts, the toolchain "
                                     "checks every code block, failures are repaired.")
    ask.add_argument("query", nargs="*", help="the question ('-' reads it from stdin)")
    ask.add_argument("--file", "-f", dest="files", action="append", default=[], metavar="F",
                     help="add the code in F to the question (repeatable)")
    ask.add_argument("--no-stream", dest="no_stream", action="store_true",
                     help="print the whole answer at the end instead of streaming")
    _common(ask)
    ask.set_defaults(handler=run_ask)

    chat = sub.add_parser("chat", help="an interactive session with history (/expert, /route, /stats)",
                          description="Chat with the experts. Commands: /expert NAME|auto, "
                                      "/route [QUERY], /stats, /reset, /help, /quit.")
    _common(chat)
    chat.set_defaults(handler=run_chat)


# -- input ---------------------------------------------------------------------------
def fenced(code: str, name: str = "") -> str:
    """Code as a fenced block for the question (left alone if it already has fences)."""
    if CODE_FENCE in code:
        return code
    header = f"; {name}\n" if name else ""
    return f"{CODE_FENCE}asm\n{header}{code.rstrip()}\n{CODE_FENCE}"


#: With a QUERY given, how long to wait for piped code before asking without it (an
#: inherited, never-closed stdin must not hang the command).
STDIN_WAIT_S = 1.0


def _stdin_ready(wait: float) -> bool:
    try:
        import select

        return bool(select.select([sys.stdin], [], [], wait)[0])
    except (OSError, ValueError, TypeError, AttributeError):
        return True    # not selectable (a test's StringIO, Windows): just read


def _read_stdin(*, required: bool) -> str:
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return ""
        if not required and not _stdin_ready(STDIN_WAIT_S):
            print("[triforce] nothing arrived on stdin; asking without it "
                  "(use '-' to wait for it)", file=sys.stderr)
            return ""
        return sys.stdin.read()
    except (OSError, ValueError):   # closed, or captured by a test runner
        return ""


def build_query(args) -> tuple[str | None, list[str], str | None]:
    """(query, include dirs, error message)."""
    from pathlib import Path

    words = list(args.query)
    from_stdin = words == ["-"]
    query = "" if from_stdin else " ".join(words)
    piped = _read_stdin(required=from_stdin or not words)
    if from_stdin:
        query = piped
    elif piped.strip():
        query = f"{query}\n\n{fenced(piped)}" if query else piped
    includes = list(args.include_dirs)
    for name in args.files:
        path = Path(name)
        try:
            code = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return None, includes, f"cannot read {name}: {exc.strerror or exc}"
        query = f"{query}\n\n{fenced(code, path.name)}" if query else fenced(code, path.name)
        includes.append(str(path.resolve().parent))
    if not query.strip():
        return None, includes, "no question given (pass QUERY, --file F, or pipe code on stdin)"
    return query, includes, None


def make_request(args, query: str, includes: list[str], **extra):
    from triforce.orchestrator import AskRequest

    return AskRequest(query=query, expert=args.expert, tier=args.tier, backend=args.backend,
                      base_url=args.base_url, model=args.model,
                      max_repair_rounds=args.max_repair_rounds, timeout=args.timeout,
                      plan=args.plan, samples=args.samples, include_dirs=tuple(includes), **extra)


def make_orchestrator(args):
    from triforce.orchestrator import Orchestrator

    return Orchestrator(store=False if args.no_log else None)


# -- output --------------------------------------------------------------------------
class StreamPrinter:
    """Turns orchestrator events into terminal output: the answer text (rendered by
    ``orchestrator.render``, as the server renders it) on ``out``, progress on ``err``."""

    def __init__(self, out, err, *, stream_text: bool):
        from triforce.orchestrator.render import StreamText

        self.out, self.err = out, err
        self.stream_text = stream_text
        self.text = StreamText()

    @property
    def wrote_text(self) -> bool:
        return self.text.tokens

    def __call__(self, event) -> None:
        piece = self.text.feed(event)
        if self.stream_text and piece:
            self.out.write(piece)
            self.out.flush()
        kind, data = event.kind, event.data if isinstance(event.data, dict) else {}
        if kind == "plan":
            self._err(f"plan: {event.text}")
        elif kind == "route":
            self._err(f"route: {', '.join(data.get('experts', []))}")
        elif kind == "step_start":
            where = data.get("backend", "") + (f"/{data['model']}" if data.get("model") else "")
            self._err(f"{event.expert}: asking {where}")
        elif kind == "progress":
            self._err(event.text if not event.expert else f"{event.expert}: {event.text}")
        elif kind == "validation":
            blocks = data.get("blocks", [])
            bad = sum(1 for b in blocks if b.get("assembles") is False or b.get("equivalent") is False)
            self._err(f"{event.expert}: checked {len(blocks)} block(s), {bad} failing")
        elif kind == "error":
            self._err(f"error: {event.text}")

    def _err(self, text: str) -> None:
        self.err.write(f"[triforce] {text}\n")
        self.err.flush()


def emit_answer(answer, args, printer: StreamPrinter | None) -> None:
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, default=str))
    elif printer is not None and printer.stream_text:
        if printer.wrote_text:
            tail = answer.summary.strip()
            print("\n\n" + tail if tail else "")
        elif answer.status != "error":      # nothing streamed (no tokens): the whole answer
            print(answer.markdown)
    else:
        print(answer.markdown)


def exit_code(answer) -> int:
    if answer.status == "cancelled":
        return 130
    return 1 if answer.status == "error" else 0


def run_ask(args) -> int:
    query, includes, problem = build_query(args)
    if problem:
        print(f"triforce ask: {problem}", file=sys.stderr)
        return 2
    if args.max_repair_rounds is not None and args.max_repair_rounds < 0:
        print("triforce ask: --max-repair-rounds must be 0 or more", file=sys.stderr)
        return 2
    orchestrator = make_orchestrator(args)
    printer = StreamPrinter(sys.stdout, sys.stderr, stream_text=not (args.json or args.no_stream))
    try:
        answer = orchestrator.ask(make_request(args, query, includes), on_event=printer)
    finally:
        orchestrator.close()
    emit_answer(answer, args, printer)
    for diag in answer.diagnostics:
        if diag.severity.value != "note":
            print(f"triforce ask: {diag.severity.value}[{diag.code}]: {diag.message}", file=sys.stderr)
    return exit_code(answer)


CHAT_HELP = """commands:
  /expert NAME   force an expert (/expert auto: let the router choose)
  /route [TEXT]  how TEXT would be routed (no TEXT: the last route)
  /stats         this session's statistics
  /reset         forget the history
  /quit          leave (also Ctrl-D)
A line that opens a ``` fence continues until the closing fence."""


def read_turn(lines, prompt) -> str | None:
    """One user turn: a line, or a fenced block spanning several lines. None at EOF."""
    prompt()
    line = next(lines, None)
    if line is None:
        return None
    text = [line.rstrip("\n")]
    if text[0].count(CODE_FENCE) % 2 == 1:
        for more in lines:
            text.append(more.rstrip("\n"))
            if more.strip().startswith(CODE_FENCE):
                break
    return "\n".join(text)


def chat_command(conversation, text: str, out) -> bool:
    """Run a /command; False means quit."""
    name, _, rest = text[1:].partition(" ")
    rest = rest.strip()
    if name in ("quit", "exit", "q"):
        return False
    if name == "expert":
        problem = conversation.set_expert(rest or None)
        print(problem or f"expert: {conversation.expert or 'auto (router)'}", file=out)
    elif name == "route":
        if rest:
            try:
                print(json.dumps(conversation.route(rest), indent=2, default=str), file=out)
            except Exception as exc:   # router not installed or broken: say so, keep chatting
                print(f"routing failed: {type(exc).__name__}: {exc}", file=out)
        else:
            print(json.dumps(conversation.last_route, indent=2, default=str)
                  if conversation.last_route else "no question routed yet", file=out)
    elif name == "stats":
        print(json.dumps(conversation.stats.to_dict(), indent=2), file=out)
    elif name == "reset":
        conversation.reset()
        print("history cleared", file=out)
    elif name == "help":
        print(CHAT_HELP, file=out)
    else:
        print(f"unknown command /{name} (try /help)", file=out)
    return True


def run_chat(args) -> int:
    from triforce.orchestrator.conversation import Conversation

    interactive = bool(sys.stdin and sys.stdin.isatty())
    orchestrator = make_orchestrator(args)
    conversation = Conversation(orchestrator, make_request(args, "", args.include_dirs))

    def prompt() -> None:
        if interactive:
            sys.stderr.write("you> ")
            sys.stderr.flush()

    if interactive:
        print("triforce chat — /help for commands, /quit to leave", file=sys.stderr)
    lines = iter(sys.stdin.readline, "")
    try:
        while True:
            text = read_turn(lines, prompt)
            if text is None:
                break
            if not text.strip():
                continue
            if text.startswith("/"):
                if not chat_command(conversation, text.strip(), sys.stdout):
                    break
                continue
            printer = StreamPrinter(sys.stdout, sys.stderr, stream_text=not args.json)
            try:
                answer = conversation.ask(text, on_event=printer)
            except KeyboardInterrupt:   # Ctrl-C stops this answer, not the session
                print("\n(interrupted)", file=sys.stderr)
                continue
            emit_answer(answer, args, printer)
    finally:
        orchestrator.close()
    return 0
