;@ name: HwDivide16by8
;@ summary: Unsigned 16/8 division with the CPU's divider ($4204-$4206, quotient $4214/$4215, remainder $4216/$4217).
;@ tags: divide division hardware math quotient remainder modulo $4204 $4206 $4214 div
;@ entry: $00-$01 = 16-bit dividend, A = 8-bit divisor (non-zero); 8-bit A/X/Y
;@ exit: $02-$03 = quotient, $04 = remainder; X/Y preserved; 8-bit A/X/Y
;@ test: {"entry": {"m": 1, "x": 1, "a": 7, "x_reg": 3, "y": 4, "ram": [[0, 232], [1, 3]]}, "expect": {"x_reg": 3, "y": 4, "ram": [[2, 142], [3, 0], [4, 6]]}}
HwDivide16by8:
    PHA
    LDA $00
    STA $4204           ; WRDIVL
    LDA $01
    STA $4205           ; WRDIVH
    PLA
    STA $4206           ; WRDIVB: starts the 16-cycle division
    NOP                 ; wait it out (the loads below add the rest)
    NOP
    NOP
    NOP
    NOP
    NOP
    LDA $4214           ; RDDIVL
    STA $02
    LDA $4215           ; RDDIVH
    STA $03
    LDA $4216           ; remainder
    STA $04
    RTS
