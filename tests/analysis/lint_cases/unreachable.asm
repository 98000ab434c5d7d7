; expect: L008
Done:
    LDA #$00
    RTS
    STA $10
