; asar 1.91 spells variadic arguments <0>, <1>, <!i> (asar 2.0: <...[n]>);
; a < followed by a space, << and <: are not parameters.
; expect: 03 0A 14 1E 02 02 0A 14 01 7E
macro list(first, ...)
  db sizeof(...)+1, <first>
  !i = 0
  while !i < sizeof(...)
    db <!i>
    !i #= !i+1
  endwhile
endmacro
macro cmp(a, b)
  if <a> < <b> : db 1
  db <:$7E0000
endmacro
org $008000
%list(10, 20, 30)
db 2
%list(10, 20)
%cmp(1, 2)
