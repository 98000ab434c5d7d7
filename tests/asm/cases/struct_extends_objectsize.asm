; A struct's object size (objectsize(), and the stride of name[n]) covers its
; own fields plus its largest `extends` child; sizeof() stays its own size.
; expect: 02 07 AD 07 00 AD 04 00
org $008000
struct base $0000
.hp: skip 2
endstruct
struct small extends base
.a: skip 3
endstruct
struct big extends base
.b: skip 5
endstruct
db sizeof(base), objectsize(base)
lda base[1].hp
lda base.small.a+2
