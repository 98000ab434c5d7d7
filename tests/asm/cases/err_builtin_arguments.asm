; Built-ins called with the wrong number or kind of arguments, and math that
; overflows a double, are diagnostics (never a Python exception).
; expect-error: A125 A119 A118
org $008000
db snestopc()
db bank()
db canreadfile1("include/five.bin")
print hex("text")
db 10**1000
