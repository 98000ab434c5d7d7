"""triforce.orchestrator."""
