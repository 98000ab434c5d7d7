; Defines: set, append (+=), expand (:=), math (#=), default (?=), nested names,
; defines inside strings, and !{...} composed names.
; expect: A5 10 85 11 A2 20 61 62 63 64 03 07 2A 01 AA
!base = $10
!next = !base+1
!math #= !base*2
!text = "ab"
!text += cd
!x ?= 3
!x ?= 4
!level = 7
!name = level
!n1 = 42
!one = 1
!sel = 1
!late = !sel
!eager := !sel
!sel = 9
org $008000
lda !base : sta !next : ldx #!math
db "!text"
db !x, !{!name}, !{n!one}
db !eager, !late+$A1
