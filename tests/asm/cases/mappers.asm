; hirom: org $C00000 is file offset 0; pctosnes/snestopc follow the mapper.
; expect-at $C00000: 01 00 00 C0 FF FF 3F 00
hirom
org $C00000
db 1
dl pctosnes(0)
dl snestopc($FFFFFF)
db 0
