"""triforce.knowledge."""
