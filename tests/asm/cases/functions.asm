; User functions (calling each other) and built-ins: defined, sizeof, pctosnes,
; snestopc, select, clamp, stringsequal.
; expect: 0D 01 00 06 00 80 80 00 80 0A 01
function mul(a, b) = a*b
function muladd(a, b, c) = mul(a, b)+c
!present = 1
struct Obj $0000
.x: skip 2
.y: skip 4
endstruct
org $008000
db muladd(3, 4, 1)
db defined("present"), defined("absent")
db sizeof(Obj)
dl pctosnes($000000)
dw snestopc($018000)
db clamp(20, 0, 10)
db stringsequal("ab", "ab")
