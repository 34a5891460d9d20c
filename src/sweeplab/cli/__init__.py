"""The ``sweeplab`` command: the composition root that turns arguments into calls."""
