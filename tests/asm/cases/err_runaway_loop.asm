; A while loop whose condition never turns false stops at the iteration limit.
; expect-error: A505
org $008000
while 1
endwhile
