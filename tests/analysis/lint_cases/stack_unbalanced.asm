; expect: L002
Leaky:
    PHA
    PHY
    LDA #$01
    STA $10
    PLA
    RTS
