db $22, $33
print "included deep"
