; incsrc (nested, relative to the including file) and incbin with a range
; and a target.
; expect-at $008000: 11 22 33 02 03 04 44
; expect-at $009000: 01 02 03 04 05
; expect-print: included deep
org $008000
incsrc include/part.asm
incbin include/five.bin:1..4
db $44
incbin include/five.bin -> $009000
