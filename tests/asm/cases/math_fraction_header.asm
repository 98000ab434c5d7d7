; An `asar 1.9` header turns on asar 1.9's new math (true precedence, no
; per-step truncation): fractions survive until the value is stored.
; expect: 03 07 0E
asar 1.91
org $008000
db 1.5*2
db 7/2*2
db 2+3*4
