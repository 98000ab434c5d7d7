"""triforce.backends."""
