; warnpc fails when code runs past the limit.
; expect-error: A223
org $008000
db 1, 2, 3
warnpc $008002
