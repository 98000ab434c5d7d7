; Code before any org: asar silently assembles at $008000 (no warning), and the
; old `@command` spelling is read without a warning too.
; expect-at $008000: A9 01 EA
lda #$01
@nop
