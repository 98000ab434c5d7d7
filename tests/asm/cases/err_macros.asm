; Unknown macro, wrong argument count, endmacro without macro, a macro with
; no endmacro.
; expect-error: A511 A513 A502 A507
macro one(a)
  db <a>
endmacro
org $008000
%nothere()
%one(1, 2)
endmacro
macro broken()
  nop
