; Code before any org: asar warns and assembles at $008000.
; expect-warning: W101
; expect-at $008000: A9 01
lda #$01
