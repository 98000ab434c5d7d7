; asar 2.0 nested macro definitions. A body is recorded when the outer macro
; runs: `<^arg>` takes the outer macro's argument then, `!^def` the define's
; value then, `<<^arg>>` builds a `<name>` reference for the new macro; plain
; `<arg>` and `!def` wait for the inner macro's own call. A file included from
; a macro sees that macro's arguments, and macros it defines see them as `<^x>`.
; expect: 10 02 07 30 31 32 40 41 66 77
; expect-print: made from $66
!base = $02
macro make_adder(name, offset)
	macro <name>(value)
		db <value>+<^offset>
		db !^base
	endmacro
endmacro
macro make_writer(name, param, op)
	macro <name>(<param>)
		<^op> <<^param>>+1
	endmacro
endmacro
macro make_list(...)
	!i #= 0
	while !i < sizeof(...)
		macro list_<...[!i]>()
			db $30+!^i
		endmacro
		!i #= !i+1
	endwhile
	undef "i"
endmacro
macro make_deep(tag)
	macro deep_one(first)
		macro deep_two()
			db <^^tag>, <^first>
		endmacro
	endmacro
endmacro
macro include_with(file, value)
	incsrc "<file>"
endmacro
org $008000
%make_adder(add_five, 5)
!base = $99
%add_five($0B)
%make_writer(write_inc, num, db)
%write_inc($06)
%make_list(a, b, c)
%list_a()
%list_b()
%list_c()
%make_deep($40)
%deep_one($41)
%deep_two()
%include_with("include/nested/uses_args.asm", $66)
%from_include()
