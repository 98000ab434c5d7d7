; SuperFX (GSU) code (`arch superfx`): ALT1-3 prefixes come from the table,
; `move` picks ibt/iwt from the value and the short or long RAM form from the
; address, `lms` halves its address, branches count from the instruction end.
; expect: 01 00 3D 4C 3F DF 13 25 3D 54 3E 65 3F 6A 94
; expect: 23 11 A1 10 F1 34 12 A1 80 3D F1 01 02 3D A2 02 3D A3 01
; expect: 3E F4 01 02 3E A4 04 3D 45 B6 37 F7 78 56 05 CE
org $008000
arch superfx
top:
nop
stop
rpix
romb
to r3
with r5
adc r4
sub #5
cmp r10
link #4
move r1,r3
ibt r1,#$10
iwt r1,#$1234
move r1,#$FF80
lm r1,($0201)
move r2,($02)
lms r3,($02)
move ($0201),r4
sms ($08),r4
moveb r0,(r5)
movew (r6),r7
lea r7,$5678
bra top
