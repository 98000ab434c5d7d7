; asar 1.91 starts each pass with `math round on`: the literal 1.5 is truncated
; before the multiply, so `db 1.5*2` is 02 (asar 2.0, which has no math round,
; gives 03). With `math round off` (or an `asar 1.9` header) the fraction is
; kept and only the result is truncated: 03.
; expect: 02 03 03 07
org $008000
db 1.5*2
math round off
db 1.5*2
db 3.9
db 7/2*2
