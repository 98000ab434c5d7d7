; assert and error stop the build; warn only warns.
; expect-error: A701 A702
; expect-warning: W701
org $008000
assert 1 == 1
assert 1 == 2, "one is not two"
error "stop here"
warn "careful"
