; Addressing modes an instruction does not have, and operands too wide.
; expect-error: A202 A205 A203
org $008000
sta #$12
ldx $1234,x
lda ($123456),y
lda.l ($12),y
mvn $100, $7E
