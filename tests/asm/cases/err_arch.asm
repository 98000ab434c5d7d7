; Errors of the other architectures: an SPC700 addressing mode that does not
; exist, a bit number past 7, tcall past 15, a direct-page bit address past $FF,
; a SuperFX register out of range (`jmp` takes r8-r13), an odd short RAM
; address, an unknown architecture, spcblock misuse, and a label with an array
; index.
; expect-error: A202 A201 A202 A206 A202 A202 A717 A718 A718 A307
org $008000
arch spc700
mov x,(x)
set8 $12
tcall 16
bbs1 $123,+
+
arch superfx
jmp r1
sms ($03),r1
arch 6502
arch 65816
endspcblock
spcblock $10000
name[2]:
