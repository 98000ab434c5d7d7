;@ name: HwMultiply8
;@ summary: Unsigned 8x8 -> 16-bit multiply with the CPU's multiplier ($4202/$4203, result in $4216/$4217).
;@ tags: multiply multiplication hardware math product $4202 $4203 $4216 mul
;@ entry: A = multiplicand, Y = multiplier; 8-bit A/X/Y
;@ exit: 16-bit product in $00 (low) / $01 (high); X/Y preserved; 8-bit A/X/Y
;@ test: {"entry": {"m": 1, "x": 1, "a": 200, "x_reg": 7, "y": 150}, "expect": {"x_reg": 7, "y": 150, "m": 1, "ram": [[0, 48], [1, 117]]}}
HwMultiply8:
    STA $4202           ; WRMPYA
    STY $4203           ; WRMPYB: starts the multiply
    NOP                 ; the product is ready 8 cycles after the write
    NOP
    NOP
    NOP
    LDA $4216           ; RDMPYL
    STA $00
    LDA $4217           ; RDMPYH
    STA $01
    RTS
