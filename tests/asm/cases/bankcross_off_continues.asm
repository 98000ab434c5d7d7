; With bank-cross checks off (old spelling `warn bankcross off`), writing past
; a lorom bank's end goes on at the next ROM byte: $00FFFF + 1 is $818000.
; `pad` pads by ROM distance, so padding from $01FFFE to $028000 is 2 bytes.
; expect-at $00FFFF: 00 00 FF FF 00 00 80 81
; expect-at $01FFFE: 42 42
lorom
org $00FFFF
warn bankcross off
First:
db $00
Second:
db $00
dl First, Second
warn bankcross on
org $01FFFE
padbyte $42 : pad $028000
