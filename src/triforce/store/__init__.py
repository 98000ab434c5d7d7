"""triforce.store."""
