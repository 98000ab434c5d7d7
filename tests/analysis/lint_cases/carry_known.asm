; expect:
; The carry is known on every path: after CMP/BCC, and in a multi-byte add.
Add16:
    LDA $10
    CLC
    ADC #$20
    STA $10
    LDA $11
    ADC #$00
    STA $11
    CMP #100
    BCC .store
    SBC #100
.store
    RTS
