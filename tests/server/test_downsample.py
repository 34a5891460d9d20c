"""Min/max-preserving downsampling: bounds, order, extremes, NaN gaps."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sweeplab.server.downsample import downsample_min_max


def test_short_series_come_back_whole() -> None:
    points = [(0, 1.0), (1, 2.0), (2, 3.0)]
    assert downsample_min_max(points, 4) == points
    assert downsample_min_max([], 10) == []


def test_a_spike_and_a_dip_survive() -> None:
    points = [(step, 0.0) for step in range(10_000)]
    points[4_321] = (4_321, 99.0)
    points[7_000] = (7_000, -5.0)
    kept = downsample_min_max(points, 10)
    assert len(kept) <= 10
    assert (4_321, 99.0) in kept and (7_000, -5.0) in kept
    assert kept[0] == (0, 0.0) and kept[-1] == (9_999, 0.0)


def test_nan_buckets_keep_a_gap_and_inf_counts_as_extreme() -> None:
    points = [(step, math.nan) for step in range(100)] + [(100 + s, 1.0) for s in range(100)]
    points[150] = (150, math.inf)
    kept = downsample_min_max(points, 6)
    assert any(math.isnan(value) for _, value in kept[1:-1])
    assert (150, math.inf) in kept


def test_fewer_than_four_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        downsample_min_max([(step, 1.0) for step in range(10)], 3)


@given(
    values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=300),
    samples=st.integers(min_value=4, max_value=50),
)
def test_properties(values: list[float], samples: int) -> None:
    points = list(enumerate(values))
    kept = downsample_min_max(points, samples)
    assert len(kept) <= samples
    steps = [step for step, _ in kept]
    assert steps == sorted(set(steps))  # in step order, no point twice
    assert all(points[step] == (step, value) or math.isnan(value) for step, value in kept)
    finite = [value for value in values if not math.isnan(value)]
    if finite:
        kept_values = [value for _, value in kept if not math.isnan(value)]
        assert min(finite) in kept_values and max(finite) in kept_values
