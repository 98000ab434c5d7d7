; expect: L009
DamageBoss:
    REP #$20
    LDA $1EF0
    SEC
    SBC #$0008
    BCC .dead
    STA $1EF0
    SEP #$20
    RTS
.dead
    STZ $1EF0
    RTS
