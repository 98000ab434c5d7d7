; asar math: left to right by default, real precedence under `math pri on`;
; functions, bank shorthand <:, ~, shifts, char literals, negative values.
; expect: 0E 10 0E 3F 01 02 80 FF 41 FF FF 7E 7E 10 05 03 0C 00
org $008000
db 2+3*4-6
math pri on
db 2+3*4+6-4
math pri off
db 2+(3*4)
db (1<<6)-1
db 7/4, 10%4
db $80|$00, ~0
db 'A', -1
dw $7EFFFF>>8
db <:$7E1234
db bank($101234)
db max(5, 3), min(5, 3)
db select(0, 1, 12)
db not(1)
