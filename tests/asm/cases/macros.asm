; Macros: named arguments, variadic arguments with sizeof(...) and <...[n]>,
; nesting, and ?labels local to one call.
; expect: A9 12 8D 34 12 03 0A 14 1E A9 01 8D 00 21 80 00 EA 80 00 EA
macro store(value, addr)
  lda #<value>
  sta <addr>
endmacro
macro bytes(...)
  db sizeof(...)
  !i = 0
  while !i < sizeof(...)
    db <...[!i]>
    !i #= !i+1
  endwhile
endmacro
macro twice(v)
  %store(<v>, $2100)
endmacro
macro skipnop()
  bra ?done
?done:
  nop
endmacro
org $008000
%store($12, $1234)
%bytes(10, 20, 30)
%twice($01)
%skipnop()
%skipnop()
