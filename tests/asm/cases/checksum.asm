; With a ROM big enough to hold the header, the checksum is fixed like asar.
; rom-size: $8000
; expect-at $00FFDC: DB FD 24 02
org $00FFD5
db $20
org $008000
db $01, $02, $03
