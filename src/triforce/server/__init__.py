"""triforce.server."""
