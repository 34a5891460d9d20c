"""Early termination judged as a sweep run's metrics arrive, on a local store.

With a server, the server judges as metrics arrive. On the embedded store (or any store this
process opens itself) nobody else would until the agent's next heartbeat (every 5 s by default),
so runs shorter than that were rarely judged at all. A sweep run's writer therefore judges its
sweep after each ship that stored new rows, at most once a second and never more than a tenth
of the time (:class:`~sweeplab.engine.judging.StoppingJudge`); the verdict reaches the run at
its next ship.
"""

from __future__ import annotations

from collections.abc import Callable

from sweeplab.engine import Controller
from sweeplab.engine.judging import StoppingJudge
from sweeplab.store.base import Ingested, Store


def judge_after_ship(store: Store, sweep_id: str) -> Callable[[Ingested], None] | None:
    """A writer's ``on_shipped`` that judges ``sweep_id``; ``None`` when the store's server
    judges by itself."""
    controller = Controller(store)
    if controller.server_coordinated:
        return None
    schedule = StoppingJudge()

    def after_ship(ingested: Ingested) -> None:
        if ingested.sweep_id == sweep_id and not ingested.stop_requested:
            schedule.judge_if_due(sweep_id, lambda: controller.evaluate_stopping(sweep_id))

    return after_ship
