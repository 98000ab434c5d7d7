; expect: L006 L006
    LDA #$01
    STA $808000         ; ROM
    STA $9000           ; ROM unless DB is $7E/$7F
    STA $7E9000         ; WRAM: fine
    RTS
