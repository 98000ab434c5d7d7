; ++ / -- are separate chains from + / -; a + refers to the next + below.
; expect: 80 04 80 00 EA EA 80 FC 80 FA
org $008000
  bra ++
  bra +
+ nop
++ nop
-- bra --
  bra --
