; freespace needs ram, noram or (asar 2.0) bank=N; a segment has no RATS tag to be
; static or cleaned; pin= needs a label name.
; expect-error: A805
org $008000
freespace align
segment static
freespace noram,pin=
