; expect:
; A correct routine: no findings.
AddOne:
    LDA $10
    CLC
    ADC #$01
    STA $10
    REP #$20
    LDA #$1234
    STA $12
    SEP #$20
    RTS
