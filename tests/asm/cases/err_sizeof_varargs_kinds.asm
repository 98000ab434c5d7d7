; sizeof(...) outside any macro (A129) and inside a macro that takes no
; variadic arguments (A133) are different errors.
; expect-error: A129 A133
org $008000
macro plain()
db sizeof(...)
endmacro
db sizeof(...)
%plain()
