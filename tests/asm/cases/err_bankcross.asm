; Writing past the end of a LoROM bank is an error.
; expect-error: A208
org $00FFFE
db 1, 2, 3
