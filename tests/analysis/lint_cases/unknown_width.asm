; expect: L010
Mixed:
    BCC .wide
    SEP #$20
    BRA .go
.wide
    REP #$20
.go
    LDA #$10
    RTS
