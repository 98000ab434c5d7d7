; asar 2.0 segments and freespace_settings: a segment has no RATS tag, the
; settings give every later block noram and a search start, freespace avoids
; what org code writes, and the ROM grows with the freespacebyte.
; expect-at $808000: 01 02 DD FF
; expect-at $80801E: FF FF AA BB CC 53 54 41 52 00 00 FF FF EE FF
; expect-at $80803F: 03
; expect-label: Data=$808020
; expect-label: Early=$808002
; expect-label: Tagged=$80802B
freespacebyte $FF
freespace_settings noram,start=$808020
org $808000
db $01,$02
org $80803F
db $03
segment
Data:
db $AA,$BB,$CC
segment start=$808000
Early:
db $DD
freedata cleaned
Tagged:
db $EE
