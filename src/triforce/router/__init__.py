"""triforce.router."""
