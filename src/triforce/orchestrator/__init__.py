"""Plans, runs, checks, repairs and synthesises expert answers.

``from triforce.orchestrator import Orchestrator, AskRequest, Answer, Event``;
see :mod:`triforce.orchestrator.core` for the flow and docs/CONTRACTS.md for the API.
"""

from triforce.orchestrator.core import Orchestrator
from triforce.orchestrator.plan import Plan, PlanStep
from triforce.orchestrator.types import (EVENT_KINDS, Answer, AskRequest, BlockReport, Event,
                                         StepResult)

__all__ = ["Answer", "AskRequest", "BlockReport", "EVENT_KINDS", "Event", "Orchestrator",
           "Plan", "PlanStep", "StepResult"]
