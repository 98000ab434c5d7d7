; Misused depth references: `<arg>` outside any macro (A519); a `<^x>` or
; `!^x` with more carets than definitions enclose it, or a `!^x` on a line that
; runs (A518); a parent reference to an argument the outer macro lacks (A516);
; a variadic index past the arguments (A515).
; expect-error: A519 A518 A516 A515
org $008000
db <orphan>
!d = 1
db !^d
macro outer(a, ...)
	macro inner(b)
		db <^^a>
		db <^missing>
		db <b>+<^a>
		db <^...[3]>
	endmacro
endmacro
%outer(1, 2)
%inner(3)
