; asar 1.9 starts with `math round on`: every value is truncated as it is
; produced (7/2*2 = 6); `math round off` keeps fractions until the end.
; expect: 06 02 07 05 02
org $008000
db 7/2*2
!q #= 10/4
db !q
math round off
db 7/2*2
!r #= 10/4
db !r*2
db 2.9
