; expect: L005
    LDA $2400           ; WRAM only when DB is $7E
    STA $2100           ; a hardware register: fine
    RTS
