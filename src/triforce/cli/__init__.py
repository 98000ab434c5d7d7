"""triforce.cli."""
