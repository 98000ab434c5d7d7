; Statement separators: " : " (repeated, leading or trailing ones are empty
; statements), defines that expand to several statements, tabs kept in strings.
; expect: 01 02 03 04 05 06 09 09 0A 0B 0C 20 09 20
org $8000
db $01 : db $02
db $03 : : db $04
db $05 : : : db $06
: db $09 :
: db $09 : : : :
!a = "db $0a"
!b = ""
!b : !a :
!c = "db $0b : db $0c : "
!b : !c :
db " 	 "
