; warnpc tells three errors apart: the limit was passed (A223), the limit is
; not a 24-bit address (A231), and warnpc inside freespace (A232).
; rom-size: $80000
; expect-error: A223 A231 A232
org $008000
db $11
warnpc $008000
warnpc $7FFFFFFF
freecode
warnpc $00
