; asar warns when nothing (autoclean, prot) points into a freespace block.
; rom-size: $80000
; expect-warning: W801
; expect-at $008000: 22 08 80 90
org $008000
autoclean jsl Kept
freecode
Kept:
rtl
freecode
Lost:
rtl
