; expect: L002
DrawPowerMeter:
    PHX
    LDA $13D4
    BNE .exit
    TXA
    STA $0F20
    PLX
.exit
    RTS
