; A branch beyond -128..127 and one to another bank are errors.
; expect-error: A210
org $008000
Start:
bra Far
skip 200
Far:
bra $018000
