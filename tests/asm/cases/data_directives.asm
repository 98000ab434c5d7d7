; db/dw/dl/dd with numbers, strings and labels; values are truncated.
; expect: 01 41 42 43 00 34 12 78 56 34 00 00 00 00 00 80 DD CC BB AA 01 02 03
org $008000
Here:
db 1, "ABC", 0
dw $1234
dl $12345678
dd 0
dw Here
dd $AABBCCDD
db $101, $102, $103
