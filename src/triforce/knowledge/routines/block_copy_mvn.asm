;@ name: CopyWramBlock
;@ summary: Copy a block inside WRAM bank $7E with MVN (7 cycles per byte), keeping DB.
;@ tags: mvn block move copy memcpy wram buffer fast
;@ entry: 16-bit X = source offset, 16-bit Y = destination offset, 16-bit A = byte count - 1 (REP #$30 before calling)
;@ exit: DB preserved; A = $FFFF, X/Y past the blocks; 16-bit A/X/Y
;@ test: {"entry": {"m": 0, "x": 0, "a": 3, "x_reg": 4096, "y": 8192, "dbr": 0, "ram": [[8261632, 17], [8261633, 34], [8261634, 51], [8261635, 68]]}, "expect": {"dbr": 0, "m": 0, "x": 0, "a16": 65535, "ram": [[8265728, 17], [8265729, 34], [8265730, 51], [8265731, 68]]}}
CopyWramBlock:
    PHB                 ; MVN leaves DB = destination bank
    MVN $7E,$7E         ; asar operand order: destination bank, source bank
    PLB
    RTS
