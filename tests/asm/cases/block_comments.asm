; asar 2.0 block comments: `;[[` ... `]]` (outside quotes) may span lines; one
; that opens a line ends it and the text after `]]` starts a new line; one
; opened after code joins the rest onto that code. `;` and `;[[` inside a
; string are text. A `;[[` that nothing closes stays a 1.91 line comment.
; expect: 01 02 03 04 05 3B 5B 5B 06 07
; expect-print: a ; b
; expect-print: after the block
org $008000
db $01 ;[[ inline ]] , $02
;[[ a block
db $FF
"an unbalanced quote is fine in here
;[[ does not nest
]] db $03
db $04, ;[[ swallowed
$EE ]] $05
db ";[["
print "a ; b" ; a line comment
;[[
]] print "after the block"
db $06 ;[[ never closed: a plain comment in 1.91
db $07
