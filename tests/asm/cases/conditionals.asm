; if/elseif/else/endif (nested, with false branches skipped entirely), while,
; for (end exclusive) and rep.
; expect: 02 05 00 01 02 0A 00 0B 00 0C 00 EA EA EA 0A 0A 0A
!mode = 2
org $008000
if !mode == 1
  db 1
elseif !mode == 2
  db 2
  if 0
    db $FF
    undefined_instruction
  else
    db 5
  endif
else
  db 3
endif
!i = 0
while !i < 3
  db !i
  !i #= !i+1
endwhile
for n = 10..13
  dw !n
endfor
rep 3 : nop
asl #3
