; Labels set with `=` and fields of a struct at a constant address are static:
; conditions, fills and define math may use them (a struct without an address is not).
; expect: 07 EE EE 03
Size = 2
struct Ram $7E0010
.a: skip 1
.b: skip 2
endstruct
!n #= Size+Ram.b-$7E0011
org $008000
if Size == 2 && Ram.b == $7E0011
db 7
endif
fillbyte $EE
fill Size
db !n+1
