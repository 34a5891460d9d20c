"""Early termination rules: pure functions of (config, runs) -> stop decisions."""

from sweeplab.stopping.hyperband import hyperband_bands, hyperband_decisions

__all__ = ["hyperband_bands", "hyperband_decisions"]
