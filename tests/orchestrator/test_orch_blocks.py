"""Finding code in answers and questions."""

from __future__ import annotations

import pytest

from triforce.orchestrator.blocks import annotate, code_blocks, fenced_blocks, normalise, user_code

ANSWER = """Here is the faster version:

```asm
    INC $10
    RTS
```

Values:

```json
{"cycles": 7}
```

```
LDA #$00
```

```python
print("not 65816")
```

```65816
STZ $10
"""


def test_code_blocks_take_asm_65816_and_untagged_but_skip_json_and_other_languages():
    blocks = code_blocks(ANSWER)
    assert [b.lang for b in blocks] == ["asm", "", "65816"]
    assert blocks[0].code == "    INC $10\n    RTS"
    assert blocks[0].line == 4            # first code line, 1-based
    assert [b.index for b in blocks] == [0, 1, 2]


def test_an_unclosed_fence_at_the_end_still_yields_its_block():
    last = code_blocks(ANSWER)[-1]
    assert last.code.strip() == "STZ $10"
    assert last.closed is False
    assert all(b.closed for b in code_blocks(ANSWER)[:-1])


def test_fenced_blocks_keep_non_code_blocks_for_the_record():
    langs = [b.lang for b in fenced_blocks(ANSWER)]
    assert langs == ["asm", "json", "", "python", "65816"]


def test_annotate_puts_each_note_right_after_its_block_and_closes_an_open_fence():
    text = annotate(ANSWER, {0: "NOTE-0", 2: "NOTE-2"})
    lines = text.split("\n")
    assert lines[lines.index("NOTE-0") - 2] == "```"
    assert lines[-1] == "NOTE-2"
    assert lines[-3] == "```"            # the fence the stream left open got closed
    # Re-extracting finds the same code: notes never leak into code.
    assert [b.code for b in code_blocks(text)][:2] == [b.code for b in code_blocks(ANSWER)][:2]


def test_user_code_prefers_fences_and_falls_back_to_unfenced_assembly_runs():
    fenced = "Make this faster:\n```asm\nLDA $10\nRTS\n```"
    assert user_code(fenced)[0].code == "LDA $10\nRTS"
    pasted = ("my routine is slow\n\nLoop:\n    LDA $10,x ; load\n    STA $7E2000,x\n"
              "    DEX\n    BPL Loop\n    RTS\nwhat can I do?")
    found = user_code(pasted)
    assert len(found) == 1
    assert found[0].code.splitlines()[0] == "Loop:"
    assert found[0].code.splitlines()[-1].strip() == "RTS"


@pytest.mark.parametrize("text", ["what does LDA do?", "Load A with a value", ""])
def test_prose_is_not_mistaken_for_code(text):
    assert user_code(text) == []


def test_normalise_ignores_comments_case_and_spacing():
    assert normalise("  lda #$00 ; zero\n\nSTA  $10") == normalise("LDA #$00\nsta $10 ; store")
    assert normalise("LDA #$00") != normalise("LDA #$01")


def test_defines_are_collected_with_later_ones_winning():
    from triforce.orchestrator.blocks import defines

    code = "!ram = $7E0000 ; base\n!timer #= !ram+$10\n  !ram = $7F0000\nLDA !timer\n!empty =\n"
    assert defines(code) == {"ram": "$7F0000", "timer": "!ram+$10"}


@pytest.mark.parametrize("query,expected", [
    ("how many cycles does LDA $10,x : STA $2118 take with a 16-bit A?", ["LDA $10,x\nSTA $2118"]),
    ("is `stz $10` faster than lda #0 : sta $10?", ["stz $10", "lda #0\nsta $10"]),
    ("and then bit of help: inc the counter", []),
    ("what is the best text editor?", []),
])
def test_inline_code_in_prose(query, expected):
    from triforce.orchestrator.blocks import user_code

    assert [block.code for block in user_code(query)] == expected
