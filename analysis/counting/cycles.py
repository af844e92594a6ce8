"""Turning points into reps: full cycles of consistent amplitude only.

A rep is rest -> turning point -> rest. Counting turning points alone counts a clip
that starts at a bottom, a half rep at the end, or a bend to pick up a bottle. Here
every turning point must be flanked on both sides by a return towards rest, and its
excursion must be a fair share of the typical rep's, so those cases drop out.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps


def robust_range(values: np.ndarray, low: float = 5.0, high: float = 95.0) -> float:
    """Spread of a series between two percentiles (ignores NaN and outliers)."""
    finite = values[np.isfinite(values)]
    if len(finite) < 2:
        return 0.0
    lo, hi = np.percentile(finite, [low, high])
    return float(hi - lo)


def rest_polarity(values: np.ndarray, period_frames: float | None = None) -> int:
    """+1 if the rep's turning point is a maximum of ``values``, -1 if a minimum.

    The turning point is the extreme *away from rest*. Rest is where the person is
    when the set starts and ends (standing, hanging, arms down) and where they dwell:
    the median level of the first and last stretch (half a period or 10% of the clip)
    is compared with the series' range, and the time spent near each extreme breaks
    ties. Nothing about the exercise is needed.
    """
    x = values[np.isfinite(values)]
    if len(x) < 4:
        return -1
    lo, hi = np.percentile(x, [5, 95])
    if hi <= lo:
        return -1
    span = max(3, int(period_frames * 0.5) if period_frames else len(x) // 10)
    span = min(span, max(3, len(x) // 4))
    ends = [np.median(x[:span]), np.median(x[-span:])]
    # position of the ends in the range: 0 = at the low extreme, 1 = at the high one
    pos = [(e - lo) / (hi - lo) for e in ends]
    end_vote = sum(0.5 - p for p in pos)  # > 0: rest is low, turning point is high
    third = (hi - lo) / 3
    dwell_vote = float(np.mean(x < lo + third) - np.mean(x > hi - third))
    return 1 if end_vote + 0.5 * dwell_vote > 0 else -1


ARRIVAL = 0.03  # share of the excursion: how close to the turning value counts as arrived


def find_cycles(
    values: np.ndarray,
    fps: float,
    polarity: int,
    min_distance_s: float,
    prominence: float,
    min_excursion_ratio: float = 0.5,
    return_ratio: float = 0.5,
    arrival_ratio: float = ARRIVAL,
) -> dict:
    """Full rep cycles in a smoothed series.

    Args:
        values: (T,) smoothed signal, NaN allowed (gaps split nothing but are skipped).
        polarity: +1 when the turning point (rep "bottom") is a maximum.
        min_distance_s: least time between two turning points.
        prominence: least prominence of a turning point, in signal units.
        min_excursion_ratio: a rep whose excursion is below this share of the median
            rep's is dropped (half reps, a bend for a bottle).
        return_ratio: the signal must come back towards rest by at least this share of
            the rep's excursion on *both* sides of the turning point (full cycle).
        arrival_ratio: the bottom is the first frame within this share of the excursion
            of the turning value (when a bottom is held, the moment it is reached).

    Returns a dict of int index arrays ``starts, bottoms, ends`` (the kept reps) and
    ``candidates`` (every turning point considered), plus ``excursions`` (per kept rep).
    """
    x = np.asarray(values, dtype=np.float64)
    y = polarity * x
    finite = np.isfinite(y)
    empty = {k: np.zeros(0, dtype=int) for k in ("starts", "bottoms", "ends", "candidates")}
    empty["excursions"] = np.zeros(0)
    if finite.sum() < 3:
        return empty
    floor = np.nanmin(y) - 1.0
    yf = np.where(finite, y, floor)  # a gap is never a turning point, and splits nothing
    distance = max(1, int(round(min_distance_s * fps)))
    peaks, _ = sps.find_peaks(yf, distance=distance, prominence=max(prominence, 1e-12))
    peaks = peaks[finite[peaks]]
    if len(peaks) == 0:
        return empty
    bounds = np.concatenate([[0], peaks, [len(y) - 1]])
    starts, ends, exc_before, exc_after = [], [], [], []
    for i, b in enumerate(peaks):
        left = y[bounds[i] : b + 1]
        right = y[b : bounds[i + 2] + 1]
        lmin = np.nanargmin(left) + bounds[i]
        rmin = np.nanargmin(right) + b
        exc_before.append(y[b] - y[lmin])
        exc_after.append(y[b] - y[rmin])
        starts.append(lmin)
        ends.append(rmin)
    exc_before = np.array(exc_before)
    exc_after = np.array(exc_after)
    excursion = np.maximum(exc_before, exc_after)
    typical = float(np.median(excursion))
    keep = (
        (excursion >= min_excursion_ratio * typical)
        & (exc_before >= return_ratio * excursion)
        & (exc_after >= return_ratio * excursion)
    )
    starts = np.array(starts)[keep]
    ends = np.array(ends)[keep]
    bottoms = peaks[keep]
    # a rep starts where it leaves rest and ends where it is back: the last / first
    # frame within 10% of the excursion of the flanking rest level
    exc = np.minimum(exc_before, exc_after)[keep]
    for j, b in enumerate(bottoms):
        seg = y[starts[j] : b + 1]
        near = np.flatnonzero(seg <= y[starts[j]] + 0.1 * exc[j])
        starts[j] = starts[j] + (near[-1] if len(near) else 0)
        seg = y[b : ends[j] + 1]
        near = np.flatnonzero(seg <= y[ends[j]] + 0.1 * exc[j])
        ends[j] = b + (near[0] if len(near) else len(seg) - 1)
        # a held bottom: the turning point is when the hold is reached, not its middle
        seg = y[starts[j] : b + 1]
        arrived = np.flatnonzero(seg >= y[b] - arrival_ratio * exc[j])
        if len(arrived):
            bottoms[j] = starts[j] + arrived[0]
    return {
        "starts": starts.astype(int),
        "bottoms": bottoms.astype(int),
        "ends": ends.astype(int),
        "candidates": peaks.astype(int),
        "excursions": excursion[keep],
    }
