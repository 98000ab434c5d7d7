; ++ / -- are separate chains from + / -; a + refers to the next + below.
; expect: 80 03 80 00 EA EA 80 FE 80 FC
org $008000
  bra ++
  bra +
+ nop
++ nop
-- bra --
  bra --
