; org, base, skip, fill/fillbyte, pad/padbyte, align, pushpc/pullpc,
; pushbase/pullbase and warnpc.
; expect-at $008000: EA AD 00 00 FF FF FF 00 00 EE EE EE FF FF FF FF 00 AA
; expect-at $008020: 60
; expect-label: InBase=$7F0000
; expect-label: AfterBase=$008010
org $008000
nop
base $7F0000
InBase:
lda.w InBase
base off
fillbyte $FF
fill 3
skip 2
padbyte $EE
pad $00800C
align 16
pushpc
org $008020
rts
pullpc
AfterBase:
skip 1
db $AA
pushbase
base $1234
pullbase
warnpc $008012
