; A file named inside a macro is looked up beside the file that defined the
; macro (include/macros/abc.bin), not beside the file that calls it.
; expect: 0A 0B
org $008000
incsrc include/macros/binmacro.asm
%bin_beside_me()
