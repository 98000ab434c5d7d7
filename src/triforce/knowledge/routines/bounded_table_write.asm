;@ name: StoreToSlotChecked
;@ summary: Store A into a 6-entry slot table only when the index is in range; carry reports rejection.
;@ tags: bounds check index guard safe table slot validate range sanity defensive
;@ entry: A = value, X = slot index; 8-bit A/X/Y
;@ exit: carry clear = stored at $1E20+X; carry set = index >= 6, nothing written; A/X/Y preserved
;@ test: {"entry": {"m": 1, "x": 1, "a": 85, "x_reg": 2, "y": 0}, "expect": {"c": 0, "x_reg": 2, "ram": [[7714, 85]]}}
StoreToSlotChecked:
    CPX #$06            ; carry set when X >= 6
    BCS +
    STA $1E20,x
+   RTS
