; With a full 512 KiB LoROM, freecode expands it to 1 MiB (header byte $00FFD7
; becomes $0A) and `freecode align` starts its block at a bank boundary.
; rom-size: $80000
; expect-at $00F606: 5C 00 80 91
; expect-at $00FFD7: 0A
; expect-at $90FFF8: 53 54 41 52 03 00 FC FF
; expect-at $918000: AF 56 34 12
org $00F606
autoclean jml Mymain
freecode align
Mymain:
lda $123456
