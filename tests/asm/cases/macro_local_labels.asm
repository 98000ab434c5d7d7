; ?labels and ?+/?- belong to one macro call; plain +/- inside a macro are the
; file's; #labels do not become parents of later sublabels.
; expect: 00 01 80 00 01 80 00 00 80 00 01 80 00 17 80 00 13 80 00 00 90 00 00 AA 01 80 00 01 80 00
org $008000
Main:
macro with_labels()
  ?Local:
    db $00
  ?.Sub:
  ?-:
  #Global:
  #.GlobalSub:
    dl ?.Sub
    dl ?Local_Sub
    dl -
    dl ?-
    dl +
    dl ?+
  ?+:
  ?Assigned = $009000
    dl ?Assigned
endmacro
-:
%with_labels()
db $00
+:
db $AA
dl Global
dl Main_GlobalSub
