; Undefined define, division by zero, unbalanced parentheses.
; expect-error: A401 A120 A116
org $008000
db !missing
db 1/0
db (1+2
