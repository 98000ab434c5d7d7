;@ name: ReadJoypad1
;@ summary: Read controller 1 after the automatic joypad read, keeping held and newly pressed buttons.
;@ tags: joypad controller input buttons pressed held auto read $4218 $4219 $4212 newly pressed
;@ entry: auto joypad read enabled ($4200 bit 0); 8-bit A/X/Y
;@ exit: $0F00-$0F01 = buttons held (16-bit, $4218/$4219 layout), $0F02-$0F03 = newly pressed this frame; 8-bit A/X/Y; X/Y preserved
;@ test: {"entry": {"m": 1, "x": 1, "a": 0, "x_reg": 1, "y": 2, "ram": [[16914, 0], [16920, 128], [16921, 144], [3840, 0], [3841, 16]]}, "expect": {"x_reg": 1, "y": 2, "m": 1, "ram": [[3840, 128], [3841, 144], [3842, 128], [3843, 128]]}}
ReadJoypad1:
-   LDA $4212           ; HVBJOY: bit 0 set while the auto read runs
    LSR A
    BCS -
    REP #$20
    LDA $0F00           ; last frame's buttons
    EOR #$FFFF
    AND $4218           ; pressed now and not before
    STA $0F02
    LDA $4218
    STA $0F00
    SEP #$20
    RTS
