; `for i = a to b` (also a..b) with the variable scoped to the loop, nested
; loops, a loop on one line, and one-line `if cond : statement`.
; expect: 00 01 02 01 01 01 42 00 03 00 04 01 03 01 04 05 07
!i = $42
org $008000
for i = 0 to 3
  db !i
endfor
for i = 0..3 : db 1 : endfor
db !i
for i = 0 to 2
  for j = 3 to 5
    db !i,!j
  endfor
endfor
if 1 == 1 : db 5
if 1 == 2 : db 6
!n = 7
if !n == 7 : db !n
