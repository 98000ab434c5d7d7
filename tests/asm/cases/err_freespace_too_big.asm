; A freespace block bigger than any ROM reports "no freespace large enough".
; rom-size: $80000
; expect-error: A801
org $008000
freecode
skip $FFFFFF
