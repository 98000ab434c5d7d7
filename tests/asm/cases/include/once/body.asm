includeonce
db $07
