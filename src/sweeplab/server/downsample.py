"""Min/max-preserving downsampling of a metric series (what charts of long runs draw).

:func:`downsample_min_max` keeps the first and the last point, cuts the points between into
equal-count buckets and keeps each bucket's lowest and highest value, in step order. A spike
or a dip anywhere in the series therefore survives at any sample count, which averaging or
taking every n-th point would lose. NaN values are ignored when picking a bucket's extremes;
a bucket holding only NaN keeps one NaN point, so a chart still shows the gap. ±Inf count as
extremes like any other value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[int, float]
MIN_SAMPLES = 4


def downsample_min_max(points: Sequence[Point], samples: int) -> list[Point]:
    """At most ``samples`` points of ``points`` (in step order), extremes preserved.

    ``samples`` must be at least 4 (the first and the last point, and one bucket's min and
    max); a series no longer than ``samples`` comes back whole.
    """
    if samples < MIN_SAMPLES:
        raise ValueError(
            f"samples must be at least {MIN_SAMPLES} (first, last, a min and a max), got {samples}"
        )
    if len(points) <= samples:
        return list(points)
    first, interior, last = points[0], points[1:-1], points[-1]
    bucket_count = (samples - 2) // 2
    kept: list[Point] = [first]
    for bucket in range(bucket_count):
        start = bucket * len(interior) // bucket_count
        stop = (bucket + 1) * len(interior) // bucket_count
        kept.extend(_extremes(interior[start:stop]))
    kept.append(last)
    return kept


def _extremes(bucket: Sequence[Point]) -> list[Point]:
    """A bucket's lowest and highest point in step order (one point if they coincide)."""
    low: Point | None = None
    high: Point | None = None
    for point in bucket:
        value = point[1]
        if math.isnan(value):
            continue
        if low is None or value < low[1]:
            low = point
        if high is None or value > high[1]:
            high = point
    if low is None or high is None:
        return [bucket[0]] if bucket else []  # all NaN: keep the gap visible
    if low is high:
        return [low]
    return [low, high] if low[0] <= high[0] else [high, low]
