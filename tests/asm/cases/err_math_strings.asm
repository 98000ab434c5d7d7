; char() with an index outside its string; lazy logic still evaluates the
; right side when the left side does not decide.
; expect-error: A134 A120
org $008000
db char("ab", 2)
db 1 && (1/0)
