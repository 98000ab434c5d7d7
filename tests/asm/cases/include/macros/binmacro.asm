macro bin_beside_me()
incbin "abc.bin":0-2
endmacro
