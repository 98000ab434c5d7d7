"""triforce.training."""
