; Every opcode once, in asar spelling, with asar's operand-size rules:
; the literal's digit count picks dp / abs / long and 8- or 16-bit immediates.
; expect: 00 00 00 00 01 12 02 00 02 34 03 05 04 10 05 10 06 10 07 10 08
; expect: 09 FF 09 34 12 0A 0B 0C 34 12 0D 34 12 0E 34 12 0F 56 34 12
; expect: 22 56 34 12 5C 56 34 12 DC 34 12 6C 34 12 7C 34 12 FC 34 12 20 34 12
; expect: 44 7E 7F 54 01 02 D4 12 F4 34 12 42 00 C2 30 E2 20 EB FB DB CB
; expect: BF 56 34 12 B7 12 A7 12 B3 03 96 12 BE 34 12 B6 12 B9 34 12
org $008000
brk
brk #$00
ora ($12,x)
cop
cop #$34
ora $05,s
tsb $10
ora $10
asl $10
ora [$10]
php
ora #$FF
ora #$1234
asl a
phd
tsb $1234
ora $1234
asl $1234
ora $123456
jsl $123456
jml $123456
jml [$1234]
jmp ($1234)
jmp ($1234,x)
jsr ($1234,x)
jsr $1234
mvp $7E,$7F
mvn $01,$02
pei ($12)
pea $1234
wdm
rep #$30
sep #$20
xba
xce
stp
wai
lda $123456,x
lda [$12],y
lda [$12]
lda ($03,s),y
stx $12,y
ldx $1234,y
ldx $12,y
lda $1234,y
