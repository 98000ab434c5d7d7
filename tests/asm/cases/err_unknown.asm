; An unknown mnemonic or command is an error; the other lines still assemble.
; expect-error: A201
org $008000
lda #$00
frobnicate $12
