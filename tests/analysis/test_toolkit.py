"""The toolkit backend: answers for every expert without a model, never raises."""

import json
import re

import pytest

from triforce.backends.base import ChatMessage, ChatRequest, collect
from triforce.backends.toolkit import HEADER, ToolkitBackend, answer
from bench_data import shared_dir

LOOP = """Make this faster. Only the result in A matters; X, $00 and the flags are free. 8-bit A/X/Y.

```asm
RowToOffset:
    STA $00
    LDA #$00
    LDX #$0A
.loop
    CLC
    ADC $00
    DEX
    BNE .loop
    RTS
```
"""


def _ask(expert: str, text: str) -> str:
    backend = ToolkitBackend()
    request = ChatRequest(messages=[ChatMessage("system", "ignored"), ChatMessage("user", text)],
                          options={"expert": expert})
    reply, final = collect(backend.chat(request))
    assert final is not None and final.done and final.model == "toolkit"
    assert reply.startswith(HEADER)
    return reply


def _asm_blocks(text: str) -> list[str]:
    return re.findall(r"```asm\n(.*?)```", text, re.S)


def test_din_answers_with_a_proven_rewrite():
    from triforce.analysis.equivalence import check_equivalence

    reply = _ask("din", LOOP)
    (code,) = _asm_blocks(reply)
    assert "Verified: equivalent on" in reply and "ASL A" in code
    original = LOOP.split("```asm\n")[1].split("```")[0]
    assert check_equivalence(original, code, live_out=["A", "mem"], scratch=[(0, 0)], seed=11).equivalent


def test_nayru_finds_a_library_routine():
    reply = _ask("nayru", "I need a routine that uploads my tiles to VRAM with DMA")
    assert "DmaToVram" in reply and _asm_blocks(reply)


def test_farore_lints_and_runs():
    reply = _ask("farore", "why does this crash?\n```asm\n    SEP #$20\n    LDA #$0010\n    STA $1411\n    RTS\n```")
    assert "L001" in reply and "did not finish" in reply


def test_veran_disassembles_hex_and_explains_registers():
    reply = _ask("veran", "what do these bytes do: A9 81 8D 00 42 60")
    assert "NMITIMEN" in reply and "LDA" in reply.upper()
    reply = _ask("veran", "```asm\n    LDA #$80\n    STA $2115\n```")
    assert "VMAIN" in reply and "$2119" in reply


def test_ganon_zelda_link_tingle_impa():
    assert "L201" in _ask("ganon", "```asm\nSpawn:\n    LDX $18B8\n    STA $1E20,x\n    RTS\n```")
    patch = "```asm\norg $008000\n    JSL NewCode\norg $008002\n    NOP\n```"
    assert "L101" in _ask("link", patch)
    assert "bank $00" in _ask("zelda", patch)
    tingle = _ask("tingle", "```asm\nMain:\n    JSR Sub\n    RTS\nSub:\n    STZ $10\n    RTS\n```")
    assert "Call graph" in tingle and "; ==== Sub ====" in tingle
    impa = _ask("impa", "The slot at $18B8 is bad when it is 6 or more.\n```asm\nSpawn:\n    LDX $18B8\n"
                        "    STA $1E20,x\n    RTS\n```")
    assert "CPX #$06" in impa and "Verified:" in impa


def test_fallback_says_no_model_answered():
    reply = _ask("fallback", "What is the capital of France?")
    assert "no model" in reply.lower()


@pytest.mark.parametrize("text", ["", "\x00\x01\xff" * 50, "```asm\n", "```asm\nLDA (((\n```",
                                  "A" * 1_000_000, "LDA #$00\n" * 20_000],
                         ids=["empty", "binary", "open-fence", "bad-asm", "1MB", "20k-lines"])
@pytest.mark.parametrize("expert", ["din", "nayru", "farore", "veran", "ganon", "zelda", "link",
                                    "impa", "tingle", "fallback", "nonexistent"])
def test_never_raises(expert, text):
    reply = _ask(expert, text)
    assert len(reply) < 200_000


def test_binary_content_and_odd_requests():
    backend = ToolkitBackend()
    request = ChatRequest(messages=[ChatMessage("user", b"\x00\xffLDA".decode("latin-1"))])
    text, final = collect(backend.chat(request))
    assert text.startswith(HEADER) and final.done
    assert collect(backend.chat(ChatRequest(messages=[])))[0].startswith(HEADER)
    parts = ChatRequest(messages=[ChatMessage("user", [{"type": "text", "text": "```asm\nLDA $10\n```"}])],
                        options={"expert": "farore"})
    assert "Simulator run" in collect(backend.chat(parts))[0]
    assert backend.health().ok and backend.list_models() == ["toolkit"]
    backend.close()
    assert not backend.health().ok


def test_registered_as_the_toolkit_backend():
    from triforce.backends.registry import create

    assert isinstance(create("toolkit"), ToolkitBackend)


def test_every_dev_prompt_gets_an_answer():
    for line in (shared_dir() / "bench" / "dev.jsonl").read_text().splitlines():
        task = json.loads(line)
        if task["expert"] == "din":
            continue   # optimizer runs are covered above; keep the suite fast
        reply = answer(task["expert"], task["prompt"])
        assert reply.startswith(HEADER) and "could not analyse" not in reply and "toolkit failed" not in reply, task["id"]
