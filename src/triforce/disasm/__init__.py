"""triforce.disasm."""
