; An `asar 1.9` header switches to real operator precedence.
; expect: 0E 20
asar 1.91
org $008000
db 2+3*4
db 1+3<<3
