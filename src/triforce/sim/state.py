"""The 65816 register file as plain data, in SingleStepTests names."""

from __future__ import annotations

from dataclasses import dataclass, fields

#: Keys of :meth:`CPUState.to_dict` (the SingleStepTests register names).
REGISTER_NAMES = ("pc", "s", "p", "a", "x", "y", "dbr", "d", "pbr", "e")


@dataclass(slots=True)
class CPUState:
    """Registers as plain ints. ``a`` is the full 16-bit C (B:A); ``p`` the status byte.

    ``m``/``xf`` read the width flags (1 = 8-bit); in emulation mode both are 1.
    """

    a: int = 0
    x: int = 0
    y: int = 0
    s: int = 0x01FF
    d: int = 0
    dbr: int = 0
    pbr: int = 0
    pc: int = 0
    p: int = 0x34
    e: int = 1

    @property
    def m(self) -> int:
        return (self.p >> 5) & 1

    @property
    def xf(self) -> int:
        return (self.p >> 4) & 1

    @property
    def pc24(self) -> int:
        return (self.pbr << 16) | self.pc

    def copy(self) -> "CPUState":
        return CPUState(*(getattr(self, f.name) for f in fields(self)))

    def normalized(self) -> "CPUState":
        """The state as hardware holds it: in emulation mode M=X=1 and S is in page 1;
        with X=1 the index registers' high bytes are zero."""
        st = CPUState(self.a & 0xFFFF, self.x & 0xFFFF, self.y & 0xFFFF, self.s & 0xFFFF,
                      self.d & 0xFFFF, self.dbr & 0xFF, self.pbr & 0xFF, self.pc & 0xFFFF,
                      self.p & 0xFF, 1 if self.e else 0)
        if st.e:
            st.p |= 0x30
            st.s = 0x100 | (st.s & 0xFF)
        if st.p & 0x10:
            st.x &= 0xFF
            st.y &= 0xFF
        return st

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in REGISTER_NAMES}

    @classmethod
    def from_dict(cls, data: dict) -> "CPUState":
        """Build from SingleStepTests names; raises KeyError/TypeError on bad input."""
        return cls(a=int(data["a"]), x=int(data["x"]), y=int(data["y"]), s=int(data["s"]),
                   d=int(data["d"]), dbr=int(data["dbr"]), pbr=int(data["pbr"]),
                   pc=int(data["pc"]), p=int(data["p"]), e=int(data["e"]))

    def format(self) -> str:
        """One line as ``triforce asm run`` prints it."""
        flags = "".join(ch if self.p & bit else "." for ch, bit in zip(
            "NVMXDIZC", (0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01)))
        return (f"A=${self.a:04X} X=${self.x:04X} Y=${self.y:04X} S=${self.s:04X} "
                f"D=${self.d:04X} DB=${self.dbr:02X} PC=${self.pbr:02X}:{self.pc:04X} "
                f"P=${self.p:02X} [{flags}] E={self.e}")
