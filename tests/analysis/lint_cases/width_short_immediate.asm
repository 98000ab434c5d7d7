; expect: L001
; m: 16
    LDA #$10            ; two hex digits with a 16-bit accumulator: asar emits 2 bytes, the CPU reads 3
    STA $00
    RTS
