"""Which observations the GP is trained on when there are too many for the latency budget.

An exact GP costs O(n³) to fit; with thousands of runs that breaks the latency target. Above a
limit the model sees a subset: the best half of the limit by loss (where the next improvement
will be decided, so the model must be accurate there) plus a uniform random sample of the rest
drawn from the generator (which keeps the global trend and the already-explored regions known,
so EI does not send runs back to poor regions). W&B's engine instead trains on a random 100
points, losing the best ones by chance.
"""

from __future__ import annotations

import numpy as np


def training_subset(losses: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the observations to train on (all of them when within ``limit``)."""
    count = len(losses)
    if count <= limit:
        return np.arange(count)
    order = np.argsort(losses, kind="stable")
    best = order[: limit // 2]
    rest = rng.choice(order[limit // 2 :], size=limit - len(best), replace=False)
    return np.sort(np.concatenate([best, rest]))
