"""Gaussian-process regression: MAP hyperparameters, posterior, gradients, fantasies.

The model is ``y = f(x) + ε`` with a zero-mean GP prior ``f ~ GP(0, σ²·k)`` (``k`` the
Matérn-5/2 ARD kernel of :mod:`.kernel`, inputs in [0, 1], targets standardized) and Gaussian
noise ``ε ~ N(0, σ_n²)``. The noise variance is a learned hyperparameter, so noisy objectives
are modelled rather than interpolated. Hyperparameters are the maximum a posteriori point
(Snoek et al. 2012 fit GP hyperparameters; we use MAP as Optuna and BoTorch do), found by
L-BFGS-B on the log marginal likelihood plus log priors, with analytic gradients
(Rasmussen & Williams 2006, eq. 5.9). Priors, on the standardized scale:

* inverse squared lengthscales ``w_j = 1/ℓ_j²``: ``-log p(w) = 0.1·(w + 1/w)``, the prior of
  Optuna's GPSampler (Akiba et al. 2019; its GP module, 2024): mode at ℓ = 1 (the width of the
  search range), with very short and very long lengthscales both penalized. (The
  dimension-scaled log-normal of Hvarfner, Hellsten & Nardi 2024 was measured too: it let
  lengthscales grow to 5-15 on few observations, and the model then chased the corners of the
  cube; regret on Hartmann6 after 50 trials was 0.19 against 0.008.)
* signal variance ``σ²``: Gamma(2, 1) (mode 1, the standardized variance);
* noise variance ``σ_n²``: Gamma(1.1, 30) (mode ≈ 0.003, mean ≈ 0.04), bounded below by
  :data:`MIN_NOISE`, so a deterministic objective is nearly interpolated and a noisy one is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.linalg import lapack

from sweeplab.search.bayes.kernel import (
    FeatureMap,
    matern52,
    matern52_and_slope,
    squared_distances,
)

_SQRT5 = float(np.sqrt(5.0))

MIN_NOISE = 1e-6
_LOG_WEIGHT_BOUNDS = (np.log(1e-4), np.log(1e4))  # lengthscales 0.01 … 100
_LOG_SIGNAL_BOUNDS = (np.log(0.05), np.log(20.0))
_LOG_NOISE_BOUNDS = (np.log(MIN_NOISE), np.log(2.0))
_LENGTHSCALE_PRIOR = 0.1
_SIGNAL_PRIOR = (2.0, 1.0)  # Gamma(shape, rate) on σ²
_NOISE_PRIOR = (1.1, 30.0)  # Gamma(shape, rate) on σ_n²


class ModelFitError(RuntimeError):
    """The GP could not be fitted (e.g. no positive-definite kernel matrix)."""


@dataclass(frozen=True)
class Hyperparameters:
    weights: np.ndarray  # inverse squared lengthscale of each column (1/ℓ²)
    signal: float  # σ², the prior variance of f
    noise: float  # σ_n², the observation-noise variance

    @property
    def lengthscales(self) -> np.ndarray:
        return np.asarray(1.0 / np.sqrt(self.weights))

    def as_vector(self) -> np.ndarray:
        return np.concatenate([np.log(self.weights), [np.log(self.signal), np.log(self.noise)]])

    @staticmethod
    def from_vector(theta: np.ndarray) -> Hyperparameters:
        return Hyperparameters(
            np.exp(theta[:-2]), float(np.exp(theta[-2])), float(np.exp(theta[-1]))
        )


def default_hyperparameters(width: int) -> Hyperparameters:
    """A neutral starting point: lengthscale 0.5·√d, unit signal, small noise."""
    lengthscale = 0.5 * np.sqrt(width)
    return Hyperparameters(np.full(width, 1.0 / lengthscale**2), 1.0, 1e-3)


def _cholesky(matrix: np.ndarray) -> np.ndarray:
    lower, info = lapack.dpotrf(matrix, lower=1, clean=1)
    if info != 0:
        raise ModelFitError(f"kernel matrix is not positive definite (LAPACK info={info})")
    return np.asarray(lower)


def _neg_log_posterior(
    theta: np.ndarray, distances: np.ndarray, y: np.ndarray
) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood plus negative log priors, and its gradient.

    ``distances`` is (width, n·n): each column's ``δ_j`` between every pair of rows, flattened.
    The gradient is -½·tr((ααᵀ - K⁻¹)·∂K/∂θ). LAPACK's ``potri`` returns only the lower
    triangle ``P`` of K⁻¹; every ∂K/∂θ here is symmetric, so tr(K⁻¹·G) = 2·Σ(P⊙G) - Σdiag(P⊙G).
    """
    count = len(y)
    width = len(theta) - 2
    weights = np.exp(theta[:width])
    signal, noise = np.exp(theta[-2]), np.exp(theta[-1])
    r = _SQRT5 * np.sqrt(weights @ distances).reshape(count, count)
    decay = np.exp(-r)
    kernel = signal * (1.0 + r + r * r / 3.0) * decay
    slope = (-(5.0 / 6.0) * signal) * (1.0 + r) * decay  # ∂K/∂s
    matrix = kernel.copy()
    matrix.flat[:: count + 1] += noise
    lower, info = lapack.dpotrf(matrix, lower=1, clean=1, overwrite_a=1)
    if info != 0:
        return 1e10, np.zeros_like(theta)
    alpha, _ = lapack.dpotrs(lower, y, lower=1)
    nll = 0.5 * float(y @ alpha) + float(np.log(np.diag(lower)).sum())
    inverse_lower, _ = lapack.dpotri(lower, lower=1, overwrite_c=1)
    diag_inverse = np.diag(inverse_lower).copy()
    grad = np.empty_like(theta)
    # Lengthscales: δ_j has a zero diagonal, so the lower triangle times 2 gives the trace.
    combined = (np.outer(alpha, alpha) - 2.0 * inverse_lower) * slope
    grad[:width] = -0.5 * weights * (distances @ combined.ravel())
    inverse_dot_kernel = 2.0 * float(np.sum(inverse_lower * kernel)) - signal * float(
        diag_inverse.sum()
    )
    grad[-2] = -0.5 * (float(alpha @ kernel @ alpha) - inverse_dot_kernel)
    grad[-1] = -0.5 * noise * (float(alpha @ alpha) - float(diag_inverse.sum()))
    prior, prior_grad = _neg_log_prior(theta, width)
    return nll + prior, grad + prior_grad


def _neg_log_prior(theta: np.ndarray, width: int) -> tuple[float, np.ndarray]:
    """Negative log prior density of θ = (log w, log σ², log σ_n²), and its gradient."""
    grad = np.zeros_like(theta)
    # -log p(w) = a·(w + 1/w): symmetric in log w, mode w = 1 (ℓ = 1), and both very short and
    # very long lengthscales cost a lot (a Jacobian term would only shift the mode slightly).
    weights = np.exp(theta[:width])
    value = float(np.sum(_LENGTHSCALE_PRIOR * (weights + 1.0 / weights)))
    grad[:width] = _LENGTHSCALE_PRIOR * (weights - 1.0 / weights)
    # Gamma(k, rate) on exp(θ): -log p = -(k-1)θ + rate·e^θ - θ (the last from the Jacobian)
    for index, (shape, rate) in ((-2, _SIGNAL_PRIOR), (-1, _NOISE_PRIOR)):
        value += -shape * theta[index] + rate * np.exp(theta[index])
        grad[index] = -shape + rate * np.exp(theta[index])
    return value, grad


def fit_hyperparameters(
    rows: np.ndarray,
    y: np.ndarray,
    feature_map: FeatureMap,
    starts: list[Hyperparameters],
    max_iterations: int,
) -> Hyperparameters:
    """MAP hyperparameters from each start; the best one wins."""
    width = rows.shape[1]
    distances = feature_map.column_distances(rows).reshape(width, -1)
    bounds = [_LOG_WEIGHT_BOUNDS] * width + [_LOG_SIGNAL_BOUNDS, _LOG_NOISE_BOUNDS]
    best: tuple[float, np.ndarray] | None = None
    for start in starts:
        theta0 = np.clip(start.as_vector(), [b[0] for b in bounds], [b[1] for b in bounds])
        result = optimize.minimize(
            _neg_log_posterior,
            theta0,
            args=(distances, y),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": max_iterations},
        )
        value = float(result.fun)
        if np.isfinite(value) and value < 1e9 and (best is None or value < best[0]):
            best = (value, np.asarray(result.x))
    if best is None:
        raise ModelFitError("hyperparameter optimization found no valid kernel")
    return Hyperparameters.from_vector(best[1])


@dataclass(frozen=True)
class Posterior:
    """The GP conditioned on training rows ``rows`` with (standardized) targets ``y``."""

    rows: np.ndarray
    y: np.ndarray
    hyper: Hyperparameters
    feature_map: FeatureMap
    features: np.ndarray
    lower_inverse: np.ndarray  # L⁻¹ for K + σ_n² I = LLᵀ (products beat triangular solves)
    alpha: np.ndarray  # (K + σ_n² I)⁻¹ y

    def training_mean(self) -> np.ndarray:
        """Posterior mean of f at the training rows: y - σ_n²·α."""
        return np.asarray(self.y - self.hyper.noise * self.alpha)

    def _squared_distances(self, rows: np.ndarray) -> np.ndarray:
        """Kernel distances ``s`` from query rows to the training rows."""
        return squared_distances(self.feature_map.features(rows, self.hyper.weights), self.features)

    def predict(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of f (latent, noise-free) at ``rows``."""
        cross = self.hyper.signal * matern52(self._squared_distances(rows))
        mean = cross @ self.alpha
        v = self.lower_inverse @ cross.T
        variance = self.hyper.signal - np.einsum("ij,ij->j", v, v)
        return mean, np.maximum(variance, 1e-12)

    def predict_with_gradient(
        self, rows: np.ndarray, columns: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean, variance and their gradients with respect to the numeric ``columns``."""
        shape, slope = matern52_and_slope(self._squared_distances(rows))
        cross = self.hyper.signal * shape
        mean = cross @ self.alpha
        half = cross @ self.lower_inverse.T  # k*ᵀL⁻ᵀ
        beta = half @ self.lower_inverse  # K⁻¹k*
        variance = np.maximum(self.hyper.signal - np.einsum("ij,ij->i", half, half), 1e-12)
        # dk*/dx_c = σ²·k'(s)·2·w_c·(x_c - X_c)
        scale = 2.0 * self.hyper.signal * slope
        weights = self.hyper.weights[columns]
        query = rows[:, columns]
        train = self.rows[:, columns]
        mean_terms = scale * self.alpha[None, :]
        var_terms = scale * beta
        d_mean = weights * (query * mean_terms.sum(1)[:, None] - mean_terms @ train)
        d_var = -2.0 * weights * (query * var_terms.sum(1)[:, None] - var_terms @ train)
        return mean, variance, d_mean, d_var

    def with_fantasies(self, rows: np.ndarray) -> Posterior:
        """Condition on ``rows`` observed at the current posterior mean (kriging believer).

        The mean stays the same but the variance at and near ``rows`` collapses, so the
        acquisition function stops pointing at points already being evaluated
        (Ginsbourger, Le Riche & Carraro 2010).
        """
        if len(rows) == 0:
            return self
        mean, _ = self.predict(rows)
        return posterior(
            np.concatenate([self.rows, rows]),
            np.concatenate([self.y, mean]),
            self.hyper,
            self.feature_map,
        )


def posterior(
    rows: np.ndarray, y: np.ndarray, hyper: Hyperparameters, feature_map: FeatureMap
) -> Posterior:
    """The GP posterior for fixed hyperparameters."""
    features = feature_map.features(rows, hyper.weights)
    matrix = hyper.signal * matern52(squared_distances(features, features))
    matrix[np.diag_indices_from(matrix)] += hyper.noise
    lower = _cholesky(matrix)
    alpha, info = lapack.dpotrs(lower, y, lower=1)
    if info != 0 or not np.all(np.isfinite(alpha)):
        raise ModelFitError("could not solve the kernel system")
    lower_inverse, _ = lapack.dtrtri(lower, lower=1)
    return Posterior(
        rows, y, hyper, feature_map, features, np.asarray(lower_inverse), np.asarray(alpha)
    )
