"""triforce.evaluation."""
