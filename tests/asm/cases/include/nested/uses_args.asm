; included from %include_with: <value> and <^file> refer to its arguments
db <value>
macro from_include()
	db $77
	print "made from <^value>"
endmacro
