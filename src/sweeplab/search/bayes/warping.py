"""Output warping: make the losses look Gaussian before the GP sees them.

A GP with a stationary kernel fits a heavy-tailed objective badly: on Rosenbrock a few huge
losses set the scale and flatten everything near the optimum. Losses are standardized, passed
through a Yeo-Johnson power transform whose λ ∈ [-2, 4] maximizes the Gaussian likelihood (Yeo
& Johnson 2000; the warping HEBO uses, Cowen-Rivers et al. 2022), and standardized again. It is
monotone, so the minimizer is unchanged, and it has a closed-form inverse, used to report
predictions in the metric's own units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# λ is chosen on this grid, far faster than scipy's bounded search and exact enough. Beyond it
# the transform is numerically fragile and was never better in our measurements.
_LAMBDA_GRID = np.linspace(-2.0, 4.0, 49)


@dataclass(frozen=True)
class OutputWarp:
    """The fitted transform loss → standardized warped value."""

    center: float
    scale: float
    lam: float | None  # None: plain standardization
    warped_center: float
    warped_scale: float

    def forward(self, losses: np.ndarray) -> np.ndarray:
        z = (np.asarray(losses, dtype=float) - self.center) / self.scale
        if self.lam is not None:
            z = _yeojohnson(z, self.lam)
        return np.asarray((z - self.warped_center) / self.warped_scale)

    def inverse(self, warped: np.ndarray) -> np.ndarray:
        """Warped values back to losses (the inverse Yeo-Johnson in closed form)."""
        z = np.asarray(warped, dtype=float) * self.warped_scale + self.warped_center
        if self.lam is not None:
            z = _inverse_yeojohnson(z, self.lam)
        return np.asarray(z * self.scale + self.center)


def fit_warp(losses: np.ndarray, power_transform: bool = True) -> OutputWarp:
    """The warp for these losses (standardization alone when they are (nearly) constant)."""
    center = float(np.mean(losses))
    scale = float(np.std(losses))
    if not np.isfinite(scale) or scale < 1e-12 * max(1.0, abs(center)):
        return OutputWarp(center, 1.0, None, 0.0, 1.0)
    z = (losses - center) / scale
    lam: float | None = None
    if power_transform and len(losses) >= 3:
        lam = _max_likelihood_lambda(z)
        z = _yeojohnson(z, lam)
    warped_center = float(np.mean(z))
    warped_scale = float(np.std(z)) or 1.0
    return OutputWarp(center, scale, lam, warped_center, warped_scale)


def _yeojohnson(z: np.ndarray, lam: float) -> np.ndarray:
    """The Yeo-Johnson transform ψ(z; λ) for one λ."""
    return np.asarray(_yeojohnson_grid(z, np.array([lam]))[0])


def _yeojohnson_grid(z: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """ψ(z; λ) for each λ in ``lams``: shape (len(lams), len(z))."""
    lam = lams[:, None]
    positive = z >= 0
    log_pos = np.log1p(np.where(positive, z, 0.0))
    log_neg = np.log1p(np.where(positive, 0.0, -z))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pos = np.where(np.abs(lam) < 1e-12, log_pos, np.expm1(lam * log_pos) / lam)
        two = 2.0 - lam
        neg = np.where(np.abs(two) < 1e-12, -log_neg, -np.expm1(two * log_neg) / two)
    return np.asarray(np.where(positive, pos, neg))


def _max_likelihood_lambda(z: np.ndarray) -> float:
    """λ maximizing the Gaussian log-likelihood of ψ(z; λ) (Yeo & Johnson 2000, eq. 3.1)."""
    transformed = _yeojohnson_grid(z, _LAMBDA_GRID)
    variance = np.var(transformed, axis=1)
    jacobian = np.sum(np.sign(z) * np.log1p(np.abs(z)))
    with np.errstate(divide="ignore", invalid="ignore"):
        loglik = -0.5 * len(z) * np.log(variance) + (_LAMBDA_GRID - 1.0) * jacobian
    loglik = np.where(np.isfinite(loglik), loglik, -np.inf)
    return float(_LAMBDA_GRID[int(np.argmax(loglik))])


def _inverse_yeojohnson(z: np.ndarray, lam: float) -> np.ndarray:
    """ψ⁻¹(z; λ); values beyond the transform's range map to ±inf (only ever reported)."""
    with np.errstate(over="ignore"):
        return _inverse_yeojohnson_unchecked(z, lam)


def _inverse_yeojohnson_unchecked(z: np.ndarray, lam: float) -> np.ndarray:
    out = np.empty_like(z)
    positive = z >= 0
    zp, zn = z[positive], z[~positive]
    if abs(lam) < 1e-12:
        out[positive] = np.expm1(zp)
    else:
        out[positive] = np.power(np.maximum(zp * lam + 1.0, 1e-300), 1.0 / lam) - 1.0
    if abs(lam - 2.0) < 1e-12:
        out[~positive] = -np.expm1(-zn)
    else:
        out[~positive] = 1.0 - np.power(
            np.maximum(1.0 - (2.0 - lam) * zn, 1e-300), 1.0 / (2.0 - lam)
        )
    return out
