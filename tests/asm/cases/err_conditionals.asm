; endif without if; an if never closed.
; expect-error: A504 A503
org $008000
endif
if 1
db 1
