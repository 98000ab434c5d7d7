; A missing include is an error with the including line.
; expect-error: A601
org $008000
incsrc include/not_there.asm
