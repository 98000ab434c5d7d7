; freecode finds zeroed space from $108000 (file 0x80000) in a 1 MiB LoROM,
; writes a RATS tag, and labels inside it are long (bank differs).
; rom-size: $100000
; expect-at $008000: 22 09 80 90
; expect-at $908000: 53 54 41 52 03 00 FC FF 00 A9 01 6B
; expect-label: Code=$908009
org $008000
autoclean jsl Code
freecode
db 0
Code:
lda #$01
rtl
