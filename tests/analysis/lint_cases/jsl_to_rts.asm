; expect: L003
Main:
    JSL Helper
    RTL
Helper:
    LDA #$00
    RTS
