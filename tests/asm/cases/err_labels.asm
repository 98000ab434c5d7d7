; A label used but never defined, and a label defined twice.
; expect-error: A301 A304
org $008000
Twice:
Twice:
lda Nowhere
