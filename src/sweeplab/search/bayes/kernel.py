"""Matérn-5/2 ARD kernel over mixed numeric and categorical columns.

The kernel is a function of one scaled squared distance
``s(x, x') = Σ_j w_j δ_j(x_j, x'_j)``, where ``w_j = 1/ℓ_j²`` is column j's inverse squared
lengthscale and ``δ_j`` is ``(x_j - x'_j)²`` for a numeric column and ``[x_j ≠ x'_j]`` for a
categorical one (a Hamming / overlap kernel: categories are never ordered). This is the kernel
Optuna's GPSampler uses; the Matérn-5/2 choice follows Snoek et al. (2012).

For speed the distance is computed with one matrix product over *features*: numeric columns
times ``√w_j``, and categorical columns one-hot encoded times ``√(w_j/2)`` (two different
one-hot vectors are √2 apart).
"""

from __future__ import annotations

import numpy as np

_SQRT5 = float(np.sqrt(5.0))


def matern52(sq_dist: np.ndarray) -> np.ndarray:
    """Unit-variance Matérn-5/2 as a function of the squared distance."""
    r = _SQRT5 * np.sqrt(sq_dist)
    return np.asarray((1.0 + r + r * r / 3.0) * np.exp(-r))


def matern52_and_slope(sq_dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kernel and its derivative with respect to the squared distance.

    d/ds of (1 + r + r²/3)·e^(-r) with r = √(5s) is -(5/6)(1 + r)·e^(-r), finite at s = 0.
    """
    r = _SQRT5 * np.sqrt(sq_dist)
    decay = np.exp(-r)
    return (1.0 + r + r * r / 3.0) * decay, -(5.0 / 6.0) * (1.0 + r) * decay


class FeatureMap:
    """Turns encoded rows into features whose Euclidean distance is the kernel's ``s``."""

    def __init__(self, categorical: np.ndarray, cardinalities: np.ndarray) -> None:
        self.categorical = np.asarray(categorical, dtype=bool)
        self.cardinalities = np.asarray(cardinalities, dtype=int)
        self._numeric_columns = np.flatnonzero(~self.categorical)
        self._categorical_columns = np.flatnonzero(self.categorical)
        offsets = np.cumsum(self.cardinalities[self._categorical_columns])
        self._onehot_offsets = np.concatenate(([0], offsets[:-1])).astype(int)
        self._onehot_width = int(offsets[-1]) if len(offsets) else 0
        self._onehot_owner = np.repeat(
            self._categorical_columns, self.cardinalities[self._categorical_columns]
        )

    def features(self, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """(n, numeric + one-hot) features scaled by the lengthscales."""
        numeric = rows[:, self._numeric_columns] * np.sqrt(weights[self._numeric_columns])
        if not self._onehot_width:
            return np.asarray(numeric)
        onehot = np.zeros((len(rows), self._onehot_width))
        indices = rows[:, self._categorical_columns].astype(int) + self._onehot_offsets
        np.put_along_axis(onehot, indices, 1.0, axis=1)
        onehot *= np.sqrt(weights[self._onehot_owner] / 2.0)
        return np.asarray(np.concatenate([numeric, onehot], axis=1))

    def column_distances(self, rows: np.ndarray) -> np.ndarray:
        """(width, n, n): each column's ``δ_j`` between every pair of rows (for fitting)."""
        diff = rows.T[:, :, None] - rows.T[:, None, :]
        return np.asarray(np.where(self.categorical[:, None, None], diff != 0, diff * diff))


def squared_distances(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairwise squared Euclidean distances of two feature matrices (clipped at 0)."""
    left_norms = np.einsum("ij,ij->i", left, left)
    right_norms = np.einsum("ij,ij->i", right, right)
    sq = left_norms[:, None] + right_norms[None, :] - 2.0 * (left @ right.T)
    return np.asarray(np.maximum(sq, 0.0))
