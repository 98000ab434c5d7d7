; SPC700 code (`arch spc700`, opcodes from the SPC700 datasheet, asar's operand
; syntax): a width picks the direct-page or absolute form, `.w` forces absolute,
; branches count from the end of the instruction, bbs/cbne have a dp byte first,
; bit instructions take the bit from `addr.N` or from the mnemonic's digit,
; `mov $12,#$34` writes the source operand first.
; expect: E8 12 E5 34 12 E5 12 00 C4 12 FA 34 12 8F 34 12
; expect: F7 20 D7 21 AF BF 3F 34 12 1F 00 20
; expect: 2F 03 E3 12 DF FD D0 03 DE 40 00 FE 00
; expect: AA 34 52 6A 34 32 E2 12 02 12 12 01 F1 CF 9E
; expect: 5A 40 DA 40 0E 00 20
org $008000
arch spc700
loop:
mov a,#$12
mov a,$1234
mov.w a,$12
mov $12,a
mov $12,$34
mov $12,#$34
mov a,($20)+y
mov ($21)+y,a
mov (x+),a
mov a,(x+)
call $1234
jmp ($2000+x)
bra +
bbs7 $12,loop
+
mov y,a
bne +
cbne $40+x,+
+ dbnz y,+
+
mov1 c,$1234.2
and1 c,!$1234
set7 $12
set0 $12
clr0 $01
tcall 15
mul ya
div ya,x
cmpw ya,$40
movw $40,ya
tset $2000,a
