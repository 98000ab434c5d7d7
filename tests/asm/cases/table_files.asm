; table files map characters for strings (ltr: "a=10", rtl: "20=c");
; pushtable/pulltable save and restore the mapping; cleartable resets it.
; expect: 10 11 12 20 21 10 61
org $008000
table "include/letters.tbl"
db "ab="
pushtable
table "include/rtl.tbl", rtl
db "cd"
pulltable
db "a"
cleartable
db "a"
