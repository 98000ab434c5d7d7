;@ name: DmaToVram
;@ summary: Upload a block to VRAM with DMA channel 0 (two-register mode to $2118/$2119).
;@ tags: dma vram upload graphics tiles transfer copy channel 0 $420b $2118 $2116
;@ entry: $00-$02 = 24-bit source address, $03-$04 = byte count, $05-$06 = VRAM word address; 8-bit A/X/Y
;@ exit: 8-bit A/X/Y; A and flags changed, X/Y preserved; DMA registers of channel 0 overwritten
;@ test: {"entry": {"m": 1, "x": 1, "a": 0, "x_reg": 5, "y": 6, "ram": [[0, 0], [1, 32], [2, 126], [3, 0], [4, 8], [5, 0], [6, 80]]}, "expect": {"x_reg": 5, "y": 6, "m": 1, "x": 1, "ram": [[8469, 128], [8470, 0], [8471, 80], [17152, 1], [17153, 24], [17154, 0], [17155, 32], [17156, 126], [17157, 0], [17158, 8], [16907, 1]]}}
DmaToVram:
    LDA #$80
    STA $2115           ; VMAIN: step one word after each write to $2119
    REP #$20
    LDA $05
    STA $2116           ; VRAM word address
    LDA #$1801
    STA $4300           ; DMAP0 = $01 (two registers), BBAD0 = $18 ($2118)
    LDA $00
    STA $4302           ; source address
    LDA $03
    STA $4305           ; byte count ($0000 = 64 KiB)
    SEP #$20
    LDA $02
    STA $4304           ; source bank
    LDA #$01
    STA $420B           ; start channel 0
    RTS
