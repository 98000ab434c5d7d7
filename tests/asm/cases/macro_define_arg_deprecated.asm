; Picking a variadic argument through a define, <!i>, still works and warns
; (deprecated) once per expansion; <...[!i]> is the current spelling.
; expect: 07 08 08
; expect-warning: W106
org $008000
!i = 0
macro pick(...)
db <!i>
endmacro
macro pick2(...)
db <...[!i+1]>
endmacro
%pick(7, 8)
%pick2(7, 8)
!i = 1
%pick(7, 8)
