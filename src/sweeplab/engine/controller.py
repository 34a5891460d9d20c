"""The controller: the one place where the store and the algorithms meet.

A :class:`Controller` wraps a :class:`~sweeplab.store.base.Store` and does everything a sweep
needs besides running code: create sweeps (validated, seeded), hand out runs exactly once
(``claim_next_run``), extend leases, reap runs whose agent vanished, apply early termination,
and move sweeps between states. It holds no state of its own except a cache of parsed configs
and a lock per sweep that makes this process's claims take turns, so any number of
controllers, in any number of processes, can share one store.

Times come from ``clock`` (Unix seconds), so tests can drive leases without sleeping.

Over a store whose server runs a controller itself (the remote store, see
:mod:`sweeplab.engine.coordination`), claims, heartbeats, early termination and reaping are
handed to that server: planners cannot travel over HTTP, and leases run on the server's clock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable

from sweeplab.domain import RunRecord, RunState, StopDecision, SweepRecord, SweepState
from sweeplab.engine.coordination import ServerCoordinatedStore
from sweeplab.engine.planning import make_planner
from sweeplab.engine.stopping import evaluate_stopping, request_stop, stop_decisions
from sweeplab.errors import RunFinishedError, StateTransitionError
from sweeplab.store.base import Claim, Store
from sweeplab.sweep_config import ConfigSource, SweepConfig, load_sweep_config

# Seeds are drawn below 2**31 so they survive every JSON and database integer type.
_SEED_LIMIT = 2**31

CANCEL_REASON = "sweep canceled"
_MAX_CLAIM_TURNS = 10_000


class Controller:
    """Sweep coordination over one store (see the module docstring)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._configs: dict[str, SweepConfig] = {}
        self._configs_lock = threading.Lock()
        self._claim_turns: dict[str, threading.Lock] = {}

    @property
    def server_coordinated(self) -> bool:
        """Whether a server's controller does the coordination (judging early termination as
        metrics arrive, reaping on its own schedule) so agents need not ask for it."""
        return isinstance(self.store, ServerCoordinatedStore)

    # --- sweeps -------------------------------------------------------------------------------

    def create_sweep(
        self, config_source: ConfigSource, project: str, seed: int | None = None
    ) -> SweepRecord:
        """Validate a sweep config (raising every violation at once) and store it, running.

        The seed is the config's ``seed``, else ``seed``, else a random one; it is recorded
        with the sweep so its suggestions can be replayed. The config is stored as written.
        """
        config = load_sweep_config(config_source)
        chosen_seed = next(
            (value for value in (config.seed, seed) if value is not None),
            secrets.randbelow(_SEED_LIMIT),
        )
        sweep = self.store.create_sweep(project, dict(config.source), chosen_seed)
        with self._configs_lock:
            self._configs[sweep.sweep_id] = config
        return sweep

    def sweep_config(self, sweep: SweepRecord | str) -> SweepConfig:
        """The parsed config of a stored sweep (parsed once: stored configs never change)."""
        sweep_id = sweep if isinstance(sweep, str) else sweep.sweep_id
        with self._configs_lock:
            cached = self._configs.get(sweep_id)
        if cached is not None:
            return cached
        record = self.store.get_sweep(sweep_id) if isinstance(sweep, str) else sweep
        config = load_sweep_config(dict(record.config))
        with self._configs_lock:
            self._configs[sweep_id] = config
        return config

    def pause(self, sweep_id: str, reason: str = "paused by user") -> SweepRecord:
        """Stop handing out runs until :meth:`resume`; running runs go on."""
        return self._move(sweep_id, SweepState.PAUSED, reason)

    def resume(self, sweep_id: str, reason: str = "resumed by user") -> SweepRecord:
        """Hand out runs again after :meth:`pause`."""
        return self._move(sweep_id, SweepState.RUNNING, reason)

    def stop(self, sweep_id: str, reason: str = "stopped by user") -> SweepRecord:
        """End the sweep for good; runs already going run to their end."""
        return self._move(sweep_id, SweepState.STOPPED, reason)

    def cancel(self, sweep_id: str, reason: str = "canceled by user") -> SweepRecord:
        """End the sweep for good and ask every running run to stop."""
        sweep = self._move(sweep_id, SweepState.CANCELED, reason)
        now = self.clock()
        for run in self.store.sweep_runs(sweep_id):
            if run.state is RunState.RUNNING:
                request_stop(self.store, run.run_id, CANCEL_REASON, now)
        return sweep

    def _move(self, sweep_id: str, target: SweepState, reason: str) -> SweepRecord:
        sweep = self.store.get_sweep(sweep_id)
        if sweep.state is target:
            return sweep  # asking twice is not an error
        sweep.state.transition(target)  # raises StateTransitionError naming both states
        return self.store.set_sweep_state(sweep_id, target, reason)

    # --- runs ---------------------------------------------------------------------------------

    def claim_next_run(self, sweep_id: str, lease_seconds: float) -> Claim:
        """Start the sweep's next run, leased for ``lease_seconds``, or say why there is none.

        ``Claim.run`` is the new run; when it is ``None``, ``Claim.sweep`` is the sweep as it
        now is (finished by grid exhaustion, run_cap or target; paused; stopped) and
        ``Claim.reason`` says why.
        """
        if isinstance(self.store, ServerCoordinatedStore):
            return self.store.claim_next_run(sweep_id, lease_seconds)
        # Claims of one sweep from this process take turns (the store still orders processes):
        # run at once, each would plan on the same snapshot and all but one plan again.
        with self._claim_turn(sweep_id):
            planner = make_planner(self.sweep_config(sweep_id))  # parsed once per sweep
            return self.store.claim_run(sweep_id, planner, lease_seconds, now=self.clock())

    def _claim_turn(self, sweep_id: str) -> threading.Lock:
        with self._configs_lock:
            turn = self._claim_turns.get(sweep_id)
            if turn is None:
                if len(self._claim_turns) >= _MAX_CLAIM_TURNS:
                    self._claim_turns.clear()  # locks of sweeps long done; a rare reset
                turn = self._claim_turns[sweep_id] = threading.Lock()
            return turn

    def heartbeat(self, run_id: str, lease_seconds: float) -> RunRecord:
        """Extend a running run's lease; the returned run says whether it should stop."""
        if isinstance(self.store, ServerCoordinatedStore):
            return self.store.agent_heartbeat(run_id, lease_seconds)
        return self.store.heartbeat(run_id, lease_seconds, now=self.clock())

    def finish_run(
        self, run_id: str, state: RunState, exit_code: int | None = None, reason: str = ""
    ) -> RunRecord:
        """Record how a run ended, unless it already recorded that itself.

        A run that is already finished, failed or stopped (the user's code called
        ``finish()``) keeps its outcome; a run reaped as crashed gets the real one.
        """
        run = self.store.get_run(run_id)
        if run.state.is_terminal and run.state is not RunState.CRASHED:
            return run
        try:
            return self.store.finish_run(
                run_id, state, exit_code=exit_code, reason=reason, now=self.clock()
            )
        except (RunFinishedError, StateTransitionError):
            return self.store.get_run(run_id)  # it finished itself meanwhile

    def reap(self, now: float | None = None) -> list[str]:
        """Mark running runs whose lease expired ``crashed``; returns their ids.

        A crashed run keeps its grid point and its place under ``run_cap`` (as in W&B): it is
        not re-queued, so a sweep never runs a point twice.
        """
        if now is None and isinstance(self.store, ServerCoordinatedStore):
            return self.store.reap_expired()  # the server's clock decides what expired
        return self.store.reap_expired(self.clock() if now is None else now)

    # --- early termination ------------------------------------------------------------------

    def evaluate_stopping(self, sweep_id: str) -> list[StopDecision]:
        """Apply the sweep's early termination rule now; see :mod:`sweeplab.engine.stopping`."""
        if isinstance(self.store, ServerCoordinatedStore):
            return self.store.evaluate_stopping(sweep_id)
        return evaluate_stopping(self.store, self.sweep_config(sweep_id), sweep_id, self.clock())

    def stop_decisions(self, sweep_id: str) -> list[StopDecision]:
        """The early termination verdicts as they stand, without acting on them."""
        return stop_decisions(self.store, self.sweep_config(sweep_id), sweep_id)
