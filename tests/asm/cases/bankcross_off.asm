; `check bankcross off` lets data run over a bank border (asar's escape hatch).
; expect: 01 02 03
check bankcross off
org $00FFFE
db 1, 2, 3
