; Where the layout depends on a value (org, if, fill...), a label defined later
; is an error instead of a guess, as in asar.
; expect-error: A306
org $008000
org Later
nop
Later:
