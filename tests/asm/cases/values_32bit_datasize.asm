; Values wider than the target are truncated; division is exact until written;
; datasize() measures to the next label; bank() and <: take the bank byte.
; expect: FF FF FF FF FF 21 43 65 87 FF FF FF FF 00 00 FF 00 A9 03 00 A9 0C 00 A9 00 00 A9 03 00 01 02 03
org $8000
db -1
dd $FFFFFFFF
dd $87654321+0
dd (-2)/2
dd $FF000000/256
main:
lda #datasize(table)
lda #datasize(main)
lda.w #<:main
lda.w #bank(far)
table:
db 1, 2, 3
next:
base $038000
far:
