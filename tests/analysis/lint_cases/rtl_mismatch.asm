; expect: L003
CheckSpikeTile:
    JSR GetTileBehavior
    AND #$04
    RTS
GetTileBehavior:
    LDA $1693
    RTL
