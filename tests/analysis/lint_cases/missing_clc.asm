; expect: L007 L007
AddCoins:
    ADC $0DBF
    STA $0DBF
    LDA $10
    SBC #$01
    STA $10
    RTS
