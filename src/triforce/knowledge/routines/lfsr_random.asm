;@ name: RandomLfsr16
;@ summary: 16-bit Galois LFSR random number step (taps $B400), state at $0148/$0149.
;@ tags: random rng lfsr prng noise seed
;@ entry: 8-bit A/X/Y; state at $7E0148 (a zero state stays zero)
;@ exit: new state stored, A = its low byte; X/Y preserved; 8-bit A/X/Y
;@ test: {"entry": {"m": 1, "x": 1, "a": 0, "x_reg": 3, "y": 4, "ram": [[328, 225], [329, 172]]}, "expect": {"a": 112, "x_reg": 3, "y": 4, "m": 1, "ram": [[328, 112], [329, 226]]}}
RandomLfsr16:
    REP #$20
    LDA $0148
    LSR A
    BCC +
    EOR #$B400
+   STA $0148
    SEP #$20
    RTS
