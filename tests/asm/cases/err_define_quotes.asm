; A define value that carries a lone quote into a string: the line has
; mismatched quotes once the define is substituted (asar 2.0 checks this).
; expect-error: A101
org $008000
!w = "a""b"
print "!w"
db 1
