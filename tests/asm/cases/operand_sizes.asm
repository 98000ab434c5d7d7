; asar sizes operands by how they are written, not by value or by M/X:
; decimal by value, hex by digit count, labels by bank, .b/.w/.l forces.
; expect: A9 05 A9 2C 01 A9 05 00 AD 05 00 A5 05 AF 05 00 00 A5 05 AD 05 00
; expect: AF 34 12 00 A2 05 A0 34 12 8D 34 12 A9 00 00 AD 00 00 AF 00 00 7E
; expect: 5C 22 80 00 AD 34 12 A5 34
org $008000
lda #5
lda #300
lda #$0005
lda $0005
lda $05
lda $000005
lda.b $0005
lda.w $05
lda.l $1234
ldx #5
ldy #$1234
sta.w $1234
Start:
lda #Start&0
lda Start&0
lda Ram
jml Start
lda.w $1234
lda.b $1234
Ram = $7E0000
