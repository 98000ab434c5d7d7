"""triforce.asm."""
