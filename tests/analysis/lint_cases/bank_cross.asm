; expect: L003 L004
org $008000
Hook:
    JSR FarRoutine
    RTS
org $058000
FarRoutine:
    RTL
