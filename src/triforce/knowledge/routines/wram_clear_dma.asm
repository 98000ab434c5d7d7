;@ name: ClearWramDma
;@ summary: Fill a WRAM range with zero using DMA channel 0 from a fixed ROM zero byte through the WRAM port $2180.
;@ tags: clear wram memset fill zero dma $2180 wmdata ram init
;@ entry: $00-$01 = WRAM address (bank $7E), $02-$03 = byte count; 8-bit A/X/Y
;@ exit: DMA channel 0 registers set up and started; 8-bit A/X/Y; X/Y preserved
;@ test: {"entry": {"m": 1, "x": 1, "a": 0, "x_reg": 1, "y": 2, "ram": [[0, 0], [1, 32], [2, 0], [3, 16]]}, "expect": {"x_reg": 1, "y": 2, "ram": [[8577, 0], [8578, 32], [8579, 0], [17152, 8], [17153, 128], [17157, 0], [17158, 16], [16907, 1]]}}
ClearWramDma:
    REP #$20
    LDA $00
    STA $2181           ; WMADDL/M: WRAM address
    LDA #$8008
    STA $4300           ; DMAP0 = $08 (fixed source, one register), BBAD0 = $80 ($2180)
    LDA.w #.zero
    STA $4302
    LDA $02
    STA $4305           ; byte count
    SEP #$20
    STZ $2183           ; bank $7E
    LDA.b #.zero>>16
    STA $4304
    LDA #$01
    STA $420B
    RTS
.zero
    db $00
