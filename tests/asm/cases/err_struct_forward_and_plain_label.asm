; A struct placed at a label defined further down is an error in every pass
; (A306), so its endstruct has no struct (A709); inside a struct a label
; without the leading dot is an invalid name (A303).
; expect-error: A306 A709 A303
org $008000
struct early Later
endstruct
Later = $1234
struct fields $0100
skip 2
plain:
endstruct
