"""Every library routine assembles and passes its behaviour case in the simulator."""

import pytest

from triforce.analysis.behaves import check_case
from triforce.knowledge.hardware import MathUnit
from triforce.knowledge.library import get, routines, search

ROUTINES = routines()


def test_library_has_the_advertised_routines():
    tags = {tag for r in ROUTINES for tag in r.tags}
    for needed in ("dma", "vram", "mvn", "multiply", "divide", "joypad", "hdma"):
        assert needed in tags
    assert all(r.test and r.summary and r.entry for r in ROUTINES)


@pytest.mark.parametrize("routine", ROUTINES, ids=lambda r: r.name)
def test_routine_is_verified(routine):
    result = check_case(routine.code, routine.test, hooks=MathUnit().hooks())
    assert result.passed, result.mismatches


def test_a_broken_routine_fails_its_case():
    routine = get("RandomLfsr16")
    broken = routine.code.replace("EOR #$B400", "EOR #$B401")
    assert not check_case(broken, routine.test).passed


@pytest.mark.parametrize("query, name", [
    ("upload tiles to VRAM with DMA", "DmaToVram"),
    ("multiply two numbers with the hardware multiplier", "HwMultiply8"),
    ("I need to divide a 16-bit value", "HwDivide16by8"),
    ("read the controller, newly pressed buttons", "ReadJoypad1"),
    ("set up an HDMA gradient", "SetupHdmaChannel3"),
    ("copy a block of WRAM fast with MVN", "CopyWramBlock"),
])
def test_search_finds_the_routine(query, name):
    assert search(query)[0][1].name == name


def test_math_unit_divides_by_zero_like_the_chip():
    unit = MathUnit()
    hooks = unit.hooks()
    hooks[0x4204][1](0x4204, 0x34)
    hooks[0x4205][1](0x4205, 0x12)
    hooks[0x4206][1](0x4206, 0)
    assert (hooks[0x4214][0](0x4214), hooks[0x4215][0](0x4215)) == (0xFF, 0xFF)
    assert (hooks[0x4216][0](0x4216), hooks[0x4217][0](0x4217)) == (0x34, 0x12)
