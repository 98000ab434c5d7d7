; A macro that calls itself forever stops at the recursion limit.
; expect-error: A514
macro forever()
  %forever()
endmacro
org $008000
%forever()
