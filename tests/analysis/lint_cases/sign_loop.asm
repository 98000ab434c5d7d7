; expect: L011
ClearDecoBuffer:
    LDX #$9F
.loop
    STZ $1B00,x
    DEX
    BPL .loop
    RTS
