; A rep count beyond the loop limit stops at once with A505 instead of
; repeating a failing statement a hundred million times.
; expect-error: A505
org $008000
rep 100000000 : nop
