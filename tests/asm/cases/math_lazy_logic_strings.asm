; `||` and `&&` are lazy (asar 2.0 documents it): the right side is not
; evaluated once the left side decides, so `1 || 1/0` is no error. Comparisons
; chain left to right. stringlength() counts bytes; char() reads one byte;
; ceil()/floor() give integers.
; expect: 01 00 01 05 62 02 FE 03
org $008000
db 1 || (1/0)
db 0 && (1/0)
db 1 == 1 != 0
db stringlength("hello")
db char("abc", 1)
db ceil(2), floor(-2)
assert 1 || (1/0)
assert (0 && (1/0)) == 0
math round off
db ceil(2.5)
