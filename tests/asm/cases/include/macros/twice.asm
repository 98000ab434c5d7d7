incsrc "../once/body.asm"
incsrc "../once/../once/body.asm"
db $08
