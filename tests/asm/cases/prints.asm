; print with strings, dec/hex/bin, pc and bytes.
; expect-print: value 10 = $0A = %1010
; expect-print: pc=008001 bytes=1
org $008000
db 0
print "value ", dec(10), " = $", hex(10, 2), " = %", bin(10)
print "pc=", pc, " bytes=", bytes
