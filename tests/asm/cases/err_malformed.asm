; Malformed lines of several kinds each give a diagnostic, never a crash.
; expect-error: A101 A113 A508
org $008000
db "unterminated
lda #$12 @ 3
macro (x)
endmacro
