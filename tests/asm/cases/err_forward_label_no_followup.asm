; `org` on a label defined further down is an error (A306); the label then
; lands elsewhere than pass 0 guessed, but that is a consequence, not a second
; error, so no A305 "label moved" follows.
; expect-error: A306
org $008000
org Later
nop
Later:
