db $11
incsrc sub/deeper.asm
