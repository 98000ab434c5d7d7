; `checksum on` forces the fix even for norom; the mapper in force at the end
; (here lorom) decides where the header is.
; expect-at $00FFDC: 00 FE FF 01
checksum on
norom
org $0000
db $01
org $FFFF
db $00
lorom
