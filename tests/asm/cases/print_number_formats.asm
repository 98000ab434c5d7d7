; dec()/hex() pad with zeros to the width; double() prints 5 decimals by
; default (or the given count) and drops trailing zeros. The `asar 1.90`
; header keeps fractions (no per-step rounding), so 0.01+0.01 times 100 is 2.
; expect-print: 0123 00FF 10.34017 10.3401734476 0.1 -1 0
; expect: 02 AA
asar 1.90
org $008000
print dec(123, 4), " ", hex(255, 4), " ", double(10.340173447601384), " ", double(10.340173447601384, 10), " ", double(0.1), " ", double(-1.0), " ", double(0.0)
!m #= 0.01+0.01
!m #= !m*100
db !m
db select(0.1, $AA, $BB)
