"""The engine: sweep coordination over a store (claims, leases, stopping, sweep states).

The only code that joins the store and the algorithms. Use :class:`Controller`.
"""

from sweeplab.engine.controller import CANCEL_REASON, Controller
from sweeplab.engine.planning import make_planner, plan_next_run, target_reached
from sweeplab.engine.stopping import STOP_REASON_PREFIX, request_stop

__all__ = [
    "CANCEL_REASON",
    "STOP_REASON_PREFIX",
    "Controller",
    "make_planner",
    "plan_next_run",
    "request_stop",
    "target_reached",
]
