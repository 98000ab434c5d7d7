; incbin's start-end range: bare numbers are hex (xkas style), a parenthesised
; side is evaluated as math; the end is exclusive.
; expect: 02 03 03 04 01 02 03 04 05
org $008000
incbin include/five.bin:1-3
incbin include/five.bin:(1+1)-4
incbin include/five.bin:0-5
