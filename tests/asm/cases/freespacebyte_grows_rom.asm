; asar (1.90 on) grows the ROM with the freespacebyte when code lands past its end.
; expect-at $008000: FF FF FF FF 01 00 00 02
freespacebyte $FF
org $008004
db $01
freespacebyte $00
org $008007
db $02
