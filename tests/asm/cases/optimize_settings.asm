; Label widths under asar's `optimize dp` / `optimize address` / `dpbase`
; settings (default: labels are never direct page; same bank -> 16-bit).
; expect: AD 00 00 AF 00 00 7E AD 00 00 A5 00 A5 00 AD 00 00 A5 00
; expect: AF 00 10 01 AD 00 10 AD 00 10 AD 00 80 AF 00 80 01 AD 34 12
org $008000
base $000000
struct low
  .zero: skip $100
  .page1: skip 1
endstruct
base $011000
struct word
  .up: skip 1
endstruct
base $7E0000
struct wram
  .zero: skip $1000
  .word: skip 1
endstruct
nonmirror = $008000
nonmirror01 = $018000
far = $7F1234
base off
lda low.zero
lda wram.zero
optimize dp ram
lda low.zero
lda wram.zero
optimize dp always
lda low.zero
dpbase $0100
lda low.zero
lda low.page1
optimize dp none
optimize address ram
lda word.up
lda wram.word
optimize address mirrors
lda word.up
lda nonmirror
lda nonmirror01
bank $7F
lda far
