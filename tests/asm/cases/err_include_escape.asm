; incsrc may not leave the source folder: no .. escapes, no absolute paths.
; expect-error: A602
org $008000
incsrc ../../conftest.py
incsrc /etc/hostname
