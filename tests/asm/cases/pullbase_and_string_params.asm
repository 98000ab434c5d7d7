; pullbase restores a base without counting as a bank crossing, and a user
; function hands a string parameter on to a built-in (readfile1 of five.bin's
; second byte, 02, plus one).
; expect: 01 90 02 00 80 00 01 90 02 03
lorom
org $008000
base $029001
A:
pushbase
base off
B:
pullbase
C:
base off
dl A, B, C
function byte_after(name, pos) = readfile1(name, pos)+1
db byte_after("include/five.bin", 1)
