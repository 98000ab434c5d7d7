;@ name: SetupHdmaChannel3
;@ summary: Point HDMA channel 3 at a table and enable it (one register, e.g. a scroll or colour gradient).
;@ tags: hdma gradient scroll table channel 3 $420c $4330 raster effect
;@ entry: $00-$02 = 24-bit HDMA table address, A = B-bus register low byte (e.g. $32 for COLDATA); 8-bit A/X/Y
;@ exit: channel 3 registers set, bit 3 of HDMAEN ($420C) set in the shadow byte at $0D9F and in $420C; 8-bit A/X/Y
;@ test: {"entry": {"m": 1, "x": 1, "a": 50, "x_reg": 9, "y": 1, "ram": [[0, 0], [1, 144], [2, 1], [3487, 1]]}, "expect": {"x_reg": 9, "y": 1, "ram": [[17200, 0], [17201, 50], [17202, 0], [17203, 144], [17204, 1], [3487, 9], [16908, 9]]}}
SetupHdmaChannel3:
    STA $4331           ; BBAD3: destination register $21xx
    STZ $4330           ; DMAP3: one register, direct table
    LDA $00
    STA $4332           ; table address
    LDA $01
    STA $4333
    LDA $02
    STA $4334           ; table bank
    LDA #$08
    TSB $0D9F           ; HDMA enable shadow (channel 3)
    LDA $0D9F
    STA $420C           ; HDMAEN
    RTS
