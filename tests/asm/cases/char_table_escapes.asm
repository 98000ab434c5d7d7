; 'c' = value maps characters for strings and char literals; quoted macro
; arguments arrive without their quotes; \! escapes a define.
; expect: 01 02 03 04 00 01 02 03 01 20 01
; expect-print: !a is 10
'a' = $01
'b' = $02
'c' = $03
'd' = $04
' ' = $20
macro emit(what)
  db <what>
endmacro
org $008000
db "abcd", $00
%emit("""abc""")
db 'a'
%emit("$20,""a""")
!a = 10
print "\!a is !a"
