; includeonce compares normalised paths: a file reached again through
; `dir/../dir/` or `../` is not included a second time.
; expect: 07 08
org $008000
incsrc include/macros/twice.asm
incsrc include/once/body.asm
