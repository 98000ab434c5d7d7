;@ name: ByteToDecimal
;@ summary: Split an 8-bit value into hundreds, tens and ones digits (0-9 each) for a HUD counter.
;@ tags: decimal digits bcd hud counter score display convert hex to decimal hundreds tens ones
;@ entry: A = value 0-255; 8-bit A/X/Y
;@ exit: $00 = hundreds, $01 = tens, $02 = ones; X/Y preserved; 8-bit A/X/Y
;@ test: {"entry": {"m": 1, "x": 1, "a": 237, "x_reg": 4, "y": 5}, "expect": {"x_reg": 4, "y": 5, "ram": [[0, 2], [1, 3], [2, 7]]}}
ByteToDecimal:
    STZ $00
    STZ $01
-   CMP #100
    BCC +
    SBC #100            ; carry is set here
    INC $00
    BRA -
+
-   CMP #10
    BCC +
    SBC #10
    INC $01
    BRA -
+   STA $02
    RTS
