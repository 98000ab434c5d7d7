; Namespaces prefix labels (and find their own first); struct lays out fields
; with skip and gives sizeof/objectsize and array access Name[i].field.
; expect: 60 60 20 00 80 20 01 80 AD 02 10 AD 08 10 08 04
org $008000
namespace Sound
Play: rts
Stop: rts
Init:
  jsr Play
namespace off
jsr Sound_Stop
struct Actor $1000
.x: skip 2
.y: skip 2
endstruct
lda Actor.y-2+2
lda Actor[2].x
db sizeof(Actor)*2, objectsize(Actor)
