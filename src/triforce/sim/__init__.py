"""triforce.sim."""
