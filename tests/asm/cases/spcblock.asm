; `spcblock` writes an N-SPC upload block: length, destination, SPC700 code
; located at the destination, then `endspcblock execute` appends 00 00 and the
; entry point. Labels inside the block are its own. As in asar 1.9x, the
; position stays in SPC700 space after endspcblock (until the next org), while
; the bytes go on in the ROM right after the block.
; expect: A9 01 03 00 00 06 00 2F FE 00 00 00 06 A9 02
; expect-label: after=$000607
org $008000
lda #$01
spcblock $0600 nspc
entry:
nop
.loop:
bra .loop
endspcblock execute entry
after:
lda #$02
