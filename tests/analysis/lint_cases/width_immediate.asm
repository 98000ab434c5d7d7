; expect: L001
; Widths change with SEP; the 16-bit literal is a width mismatch.
ClampCamera:
    REP #$20
    LDA $1462
    CMP #$0800
    BCC .ok
    LDA #$0800
    STA $1462
.ok
    SEP #$20
    LDA #$0010
    STA $1411
    RTS
