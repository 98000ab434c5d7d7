; Sublabels (.x, ..y) attach to the last full label; Main.loop and Main_loop
; name the same label from anywhere; +/- labels pick the nearest one.
; expect: CA D0 FD EA 80 FA 82 F7 FF 80 FE 80 01 EA 60 4C 00 80 5C 03 80 00 22 03 80 00
; expect-label: Main=$008000
; expect-label: Main_loop=$008000
; expect-label: Main_loop_inner=$008003
org $008000
Main:
.loop
  dex
  bne .loop
..inner: nop
  bra Main_loop
  brl Main.loop
- bra -
  bra +
  nop
+ rts
Other:
  jmp Main
  jml Main_loop_inner
  jsl Main.loop.inner
