from triforce.knowledge.registers import all_registers, by_name, find, lookup


def test_lookup_across_mirrors_and_dma_channels():
    assert lookup(0x4200).name == "NMITIMEN"
    assert lookup(0x804200).name == "NMITIMEN"
    assert lookup(0x7E4200) is None            # WRAM, not a register
    assert lookup(0x4335).name == "DAS3L"
    assert lookup(0x2118).access == "w" and lookup(0x4218).access == "r"
    assert lookup(0x210D).twice


def test_reference_covers_the_ppu_cpu_and_dma_ranges():
    addresses = {r.addr for r in all_registers()}
    assert {0x2100, 0x2115, 0x2133, 0x213F, 0x4200, 0x420B, 0x421F} <= addresses
    assert all(0x4300 + 0x10 * c + o in addresses for c in range(8) for o in range(12))
    assert all(r.desc and r.name for r in all_registers())


def test_descriptions_answer_the_common_questions():
    assert "auto" in lookup(0x4200).desc.lower() and "NMI" in lookup(0x4200).desc
    assert "$2119" in lookup(0x2115).desc
    assert by_name("mdmaen").addr == 0x420B
    assert lookup(0x2115) in find("VRAM address increment")
