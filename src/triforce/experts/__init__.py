"""triforce.experts."""
