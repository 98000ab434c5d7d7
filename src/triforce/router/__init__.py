"""triforce.router: which expert(s) answer a query, in which order.

``Router.load(config)`` reads the routes (``data/routes.toml`` + the user's
``[[router.routes]]``), the keyword patterns and the fitted intent model;
``router.route(query)`` returns a :class:`RouteDecision`. The embedding
encoder is loaded on first use.
"""

from triforce.router.core import Router, RouterSettings
from triforce.router.decision import RouteDecision

__all__ = ["RouteDecision", "Router", "RouterSettings"]
