;@ name: SoftMultiply8
;@ summary: Unsigned 8x8 -> 16-bit multiply in software (shift and add), for code that must not touch $4202/$4203.
;@ tags: multiply multiplication software math product shift add mul
;@ entry: A = multiplicand, Y = multiplier; 8-bit A/X/Y; $00-$04 scratch
;@ exit: $00 (low) / $01 (high) = product; X preserved; 8-bit A/X/Y
;@ test: {"entry": {"m": 1, "x": 1, "a": 255, "x_reg": 42, "y": 255}, "expect": {"x_reg": 42, "ram": [[0, 1], [1, 254]]}}
SoftMultiply8:
    STA $02             ; multiplicand (low), $03 = its high byte
    STZ $03
    STY $04             ; multiplier, shifted right each pass
    STZ $00
    STZ $01
-   LSR $04
    BCC +
    LDA $00
    CLC
    ADC $02
    STA $00
    LDA $01
    ADC $03
    STA $01
+   ASL $02
    ROL $03
    LDA $04
    BNE -
    RTS
