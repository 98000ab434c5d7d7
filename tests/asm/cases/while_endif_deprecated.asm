; The old way to close a while, with endif, still loops (asar 1.91) and warns
; once that it is deprecated.
; expect: 03 02 01
; expect-warning: W105
org $008000
!n = 3
while !n > 0
db !n
!n #= !n-1
endif
