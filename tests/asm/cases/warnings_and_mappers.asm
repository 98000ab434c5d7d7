; `warnings disable` with an id that is not a warning warns (W107); a
; disabled warning stays quiet until `warnings pull`; switching to a different
; mapper warns (W108, asar 1.9x mapper_already_set); `fastrom` is
; accepted and changes nothing.
; expect-warning: W107 W108 W403
; expect: 01 EA FD 7F
lorom
org $008000
warnings push
warnings disable Einvalid_warning_id
warnings disable Wdatasize_last_label
db $01
warnings pull
hirom
fastrom
org $C08001
nop
Last:
dw datasize(Last)
