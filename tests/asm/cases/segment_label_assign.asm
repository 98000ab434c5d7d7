; asar 2.0: a label may be set from a label inside a segment (`lbl2 = lbl1+3`);
; `segment bank=N` searches that bank only.
; expect-at $008000: EA EA EA 00 80 80 03 80 80 03 80 80
; expect-label: Start=$808000
; expect-label: Later=$808003
; expect-label: Copy=$808003
org $80801F
db 0
segment bank=0
Start:
nop #3
Later = Start+3
dl Start, Later
segment bank=0
Copy = Later
dl Copy
