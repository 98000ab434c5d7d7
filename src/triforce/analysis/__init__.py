"""triforce.analysis."""
