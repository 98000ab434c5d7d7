; asar 1.9: a label placed by position may move between passes, so it cannot
; steer a condition (A308), size a fill/skip or an incbin range (A309), be
; copied into a `=` label (A310) or feed define math (A407).
; expect-error: A308 A309 A310 A407
org $008000
Moving:
if Moving == $008000
endif
fill Moving
incbin "include/five.bin":(Moving)-(2)
Copy = Moving
!d #= Moving
