"""Log expected improvement, computed stably, with its gradient.

Expected improvement (Jones, Schonlau & Welch 1998) of a loss below ``incumbent`` is
``σ·h(z)`` with ``z = (incumbent - μ)/σ`` and ``h(z) = φ(z) + z·Φ(z)``. Its plain form underflows
to exactly 0 far from the incumbent, leaving the optimizer a flat landscape; LogEI
(Ament et al. 2023) evaluates ``log σ + log h(z)`` without underflow.

For noisy objectives the incumbent is the *best posterior mean* over the evaluated points, not
the best observed value: one lucky noisy draw would otherwise set an unreachable bar
(the "plug-in" EI of Picheny et al. 2013). On a deterministic objective the two coincide.
"""

from __future__ import annotations

import numpy as np
from scipy import special

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_LOG_SQRT_PI_OVER_2 = 0.5 * np.log(np.pi / 2.0)
_SQRT2 = np.sqrt(2.0)


def log_h(z: np.ndarray) -> np.ndarray:
    """log(φ(z) + z·Φ(z)), accurate for any z (Ament et al. 2023, eq. 9)."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(np.exp(-0.5 * zu * zu) / np.sqrt(2 * np.pi) + zu * special.ndtr(zu))
    zl = z[~upper]
    # h(z) = φ(z)·(1 - |z|·erfcx(-z/√2)·√(π/2)) for z < 0
    tail = np.log(special.erfcx(-zl / _SQRT2) * np.abs(zl)) + _LOG_SQRT_PI_OVER_2
    out[~upper] = -0.5 * zl * zl - _LOG_SQRT_2PI + _log1mexp(tail)
    return out


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - e^x) for x < 0, accurate near 0 and far below it."""
    return np.asarray(np.where(x > -np.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x))))


def log_expected_improvement(
    mean: np.ndarray, variance: np.ndarray, incumbent: float
) -> np.ndarray:
    """log EI of a loss below ``incumbent`` for Gaussian predictions."""
    sigma = np.sqrt(variance)
    return np.asarray(np.log(sigma) + log_h((incumbent - mean) / sigma))


def log_expected_improvement_and_gradient(
    mean: np.ndarray,
    variance: np.ndarray,
    d_mean: np.ndarray,
    d_var: np.ndarray,
    incumbent: float,
) -> tuple[np.ndarray, np.ndarray]:
    """log EI and its gradient given the gradients of the posterior mean and variance.

    With ``h'(z) = Φ(z)``: ∂/∂μ = -Φ(z)/(σ·h(z)) and ∂/∂σ = φ(z)/(σ·h(z)).
    """
    sigma = np.sqrt(variance)
    z = (incumbent - mean) / sigma
    log_h_z = log_h(z)
    value = np.log(sigma) + log_h_z
    ratio_cdf = np.exp(special.log_ndtr(z) - log_h_z)  # Φ/h, stable for very negative z
    ratio_pdf = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_h_z)  # φ/h
    d_sigma = d_var / (2.0 * sigma[:, None])
    gradient = (-ratio_cdf[:, None] * d_mean + ratio_pdf[:, None] * d_sigma) / sigma[:, None]
    return value, gradient
