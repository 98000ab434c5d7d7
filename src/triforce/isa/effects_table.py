"""What each 65816 instruction does to the machine, one row per mnemonic, as data.

Read by :mod:`triforce.isa.semantics` (``triforce.isa.effects()``); no other module may restate these facts.
The simulator is checked against this table (tests/isa/test_effects.py).

Row columns (``_EFFECT_ROWS`` below; ``-`` means none):
  mnemonic  reads  writes  flags  flow  push  pull

reads / writes — registers, comma-separated:
  A    the accumulator at the M width (only the low byte when M=1; B is kept)
  B    the accumulator's high byte;  C  all 16 bits (B:A) whatever M says
  X Y  index registers (their high bytes are zero whenever X=1)
  S D DBR PBR PC   stack pointer, direct page, data bank, program bank, counter
  @    the operand: A in accumulator mode (``ASL A``), memory otherwise
  Registers an addressing mode uses (X for ``a,x``, D for ``dp``, DBR for
  absolute data, S for ``d,s``) come from the mode, not from this table.
  PC is listed as written only when it can end up anywhere but the next
  instruction (control flow, and MVN/MVP which repeat themselves).
  SEP/PLP/RTI/XCE list X,Y as written: setting the X flag (or entering
  emulation) clears the index registers' high bytes.

flags — status bits written: a letter alone is computed from the result
  (ADC: NVZC); a letter with 0/1 is set to that constant (CLC: C0, SEC: C1);
  ``P0``/``P1`` clear/set the bits named by the operand (REP/SEP); ``P`` loads
  every bit from the stack (PLP, RTI). E is the emulation bit (XCE swaps it with C).

flow — where control goes:
  next       the following instruction
  if:F0/F1   conditional branch taken when flag F is 0/1 (BCC: if:C0)
  jump       unconditional transfer (JMP, JML, BRA, BRL)
  call       JSR/JSL: pushes a return address, continues at the target
  return     RTS/RTL/RTI: continues at an address pulled from the stack
  interrupt  BRK/COP: pushes state and continues at a vector; RTI comes back after it
  wait       WAI: sleeps until an interrupt, then goes on with the next instruction
  halt       STP: stops the clock until reset

push / pull — stack bytes: a number; ``m``/``x`` one byte when that flag is 1,
  two when 0; ``3+n`` three, plus one in native mode (the program bank).
"""

from __future__ import annotations

_EFFECT_ROWS = """
ADC  A          A                NVZC  next       -    -
AND  A          A                NZ    next       -    -
ASL  @          @                NZC   next       -    -
BCC  PC         PC               -     if:C0      -    -
BCS  PC         PC               -     if:C1      -    -
BEQ  PC         PC               -     if:Z1      -    -
BIT  A          -                NVZ   next       -    -
BMI  PC         PC               -     if:N1      -    -
BNE  PC         PC               -     if:Z0      -    -
BPL  PC         PC               -     if:N0      -    -
BRA  PC         PC               -     jump       -    -
BRK  PC,PBR,S   PC,PBR,S         I1D0  interrupt  3+n  -
BRL  PC         PC               -     jump       -    -
BVC  PC         PC               -     if:V0      -    -
BVS  PC         PC               -     if:V1      -    -
CLC  -          -                C0    next       -    -
CLD  -          -                D0    next       -    -
CLI  -          -                I0    next       -    -
CLV  -          -                V0    next       -    -
CMP  A          -                NZC   next       -    -
COP  PC,PBR,S   PC,PBR,S         I1D0  interrupt  3+n  -
CPX  X          -                NZC   next       -    -
CPY  Y          -                NZC   next       -    -
DEC  @          @                NZ    next       -    -
DEX  X          X                NZ    next       -    -
DEY  Y          Y                NZ    next       -    -
EOR  A          A                NZ    next       -    -
INC  @          @                NZ    next       -    -
INX  X          X                NZ    next       -    -
INY  Y          Y                NZ    next       -    -
JML  -          PC,PBR           -     jump       -    -
JMP  -          PC               -     jump       -    -
JSL  PC,PBR,S   PC,PBR,S         -     call       3    -
JSR  PC,S       PC,S             -     call       2    -
LDA  -          A                NZ    next       -    -
LDX  -          X                NZ    next       -    -
LDY  -          Y                NZ    next       -    -
LSR  @          @                NZC   next       -    -
MVN  C,X,Y      C,X,Y,DBR,PC     -     next       -    -
MVP  C,X,Y      C,X,Y,DBR,PC     -     next       -    -
NOP  -          -                -     next       -    -
ORA  A          A                NZ    next       -    -
PEA  S          S                -     next       2    -
PEI  S          S                -     next       2    -
PER  PC,S       S                -     next       2    -
PHA  A,S        S                -     next       m    -
PHB  DBR,S      S                -     next       1    -
PHD  D,S        S                -     next       2    -
PHK  PBR,S      S                -     next       1    -
PHP  S          S                -     next       1    -
PHX  X,S        S                -     next       x    -
PHY  Y,S        S                -     next       x    -
PLA  S          A,S              NZ    next       -    m
PLB  S          DBR,S            NZ    next       -    1
PLD  S          D,S              NZ    next       -    2
PLP  S          S,X,Y            P     next       -    1
PLX  S          X,S              NZ    next       -    x
PLY  S          Y,S              NZ    next       -    x
REP  -          -                P0    next       -    -
ROL  @          @                NZC   next       -    -
ROR  @          @                NZC   next       -    -
RTI  S          PC,PBR,S,X,Y     P     return     -    3+n
RTL  S          PC,PBR,S         -     return     -    3
RTS  S          PC,S             -     return     -    2
SBC  A          A                NVZC  next       -    -
SEC  -          -                C1    next       -    -
SED  -          -                D1    next       -    -
SEI  -          -                I1    next       -    -
SEP  -          X,Y              P1    next       -    -
STA  A          -                -     next       -    -
STP  -          -                -     halt       -    -
STX  X          -                -     next       -    -
STY  Y          -                -     next       -    -
STZ  -          -                -     next       -    -
TAX  C          X                NZ    next       -    -
TAY  C          Y                NZ    next       -    -
TCD  C          D                NZ    next       -    -
TCS  C          S                -     next       -    -
TDC  D          C                NZ    next       -    -
TRB  A          -                Z     next       -    -
TSB  A          -                Z     next       -    -
TSC  S          C                NZ    next       -    -
TSX  S          X                NZ    next       -    -
TXA  X          A                NZ    next       -    -
TXS  X          S                -     next       -    -
TXY  X          Y                NZ    next       -    -
TYA  Y          A                NZ    next       -    -
TYX  Y          X                NZ    next       -    -
WAI  -          -                -     wait       -    -
WDM  -          -                -     next       -    -
XBA  C          C                NZ    next       -    -
XCE  -          X,Y,S            CEMX  next       -    -
"""

#: Opcodes whose flag effects differ from their mnemonic's row: BIT #imm has no
#: memory operand to copy bits 7/6 from, so it writes Z only.
_FLAG_OVERRIDES = {0x89: "Z"}

#: Register-only instructions that perform a memory read-modify-write on their
#: register instead (INX is INC applied to X): same flags, same arithmetic.
_REGISTER_FORMS = {"INX": "INC", "INY": "INC", "DEX": "DEC", "DEY": "DEC"}
