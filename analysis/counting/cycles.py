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


def resolve_polarity(polarity: str, x: np.ndarray, period_frames: float | None) -> int:
    """ "max" -> +1, "min" -> -1, "auto" -> the extreme away from rest (``rest_polarity``)."""
    if polarity == "max":
        return 1
    if polarity == "min":
        return -1
    if polarity != "auto":
        raise ValueError(f"polarity must be 'auto', 'max' or 'min', not {polarity!r}")
    return rest_polarity(x, period_frames)


ARRIVAL = 0.03  # share of the excursion: how close to the turning value counts as arrived
ONSET = 0.1  # share of the peak speed: movement onset / end, as in biomechanics' onset detection
REST_BAND = 0.1  # share of the excursion: how close to the flanking rest level counts as at rest
NEAR_REST = 0.4  # share of the excursion: a movement onset lies below the rep's middle, with a margin


def _first_slow(speed: np.ndarray, ratio: float, seen: np.ndarray, low: np.ndarray) -> int | None:
    """First index, from the fastest step on, moving at most ``ratio`` x the peak speed
    where ``low`` (near rest).

    Only steps between two ``seen`` frames count: across a dropout the series is a
    straight line bridging the gap, neither the fastest step nor a still one.
    """
    masked = np.where(seen, speed, -np.inf)
    fastest = int(np.argmax(masked)) if len(masked) else 0
    if not len(masked) or not masked[fastest] > 0:
        return None
    slow = np.flatnonzero(seen[fastest:] & low[fastest:] & (speed[fastest:] <= ratio * speed[fastest]))
    return fastest + int(slow[0]) if len(slow) else None


def hug_movement(
    y: np.ndarray,
    lo: int,
    b: int,
    hi: int,
    excursion: float,
    arrival_ratio: float = ARRIVAL,
    onset_ratio: float = ONSET,
) -> tuple[int, int, int]:
    """(start, bottom, end) of one rep whose turning point (a maximum of ``y``) is near ``b``.

    ``lo`` and ``hi`` are the rest frames on either side (the lowest points between this
    turning point and its neighbours). A standing pause before the rep is not part of
    it, even when the resting level drifts (a lifter settling, a camera creeping): the
    start is the movement onset, the last frame before the descent's fastest step where
    the speed towards the turning point is below ``onset_ratio`` of that peak, looked
    for in the lower ``NEAR_REST`` of the excursion (as in biomechanics' onset
    detection). Without one, it is the last frame within ``REST_BAND`` of the rest
    level. The end mirrors the start. Steps across a dropout (bridged by a straight
    line) are neither fast nor still. The bottom is when the turning value is reached
    (a held bottom turns on arrival).
    """
    n = len(y)
    lo, hi = max(0, min(lo, b)), min(n - 1, max(hi, b))
    seg = y[lo : hi + 1]
    ok = np.isfinite(seg)
    if ok.sum() < 3:
        return lo, b, hi
    seen = np.ones(n, dtype=bool)
    if not ok.all():  # a dropout inside the rep (the pose lost at the bottom) is motion, not a pause
        idx = np.arange(len(seg))
        y = y.copy()
        y[lo : hi + 1] = np.interp(idx, idx[ok], seg[ok])
        seen[lo : hi + 1] = ok
    # the turning point on this (finer) series, at a frame where someone was seen
    top = lo + int(np.argmax(np.where(seen[lo : hi + 1], y[lo : hi + 1], -np.inf)))
    rest_in, rest_out = np.min(y[lo : top + 1]), np.min(y[top : hi + 1])
    # the last / first frame within REST_BAND of the excursion of the rest level: the
    # boundary when no clear onset is found
    start = lo + int(np.flatnonzero(y[lo : top + 1] <= rest_in + REST_BAND * excursion)[-1])
    end = top + int(np.flatnonzero(y[top : hi + 1] <= rest_out + REST_BAND * excursion)[0])
    # movement onset: walking back from the turning point past the fastest step, the
    # first step slower than ``onset_ratio`` of it, in the lower part of the excursion
    # (a hesitation half way down is not rest), is still rest
    steps = np.diff(y[lo : top + 1])[::-1]  # steps[i]: frame top-i-1 -> top-i
    ok = (seen[lo:top] & seen[lo + 1 : top + 1])[::-1]
    low = (y[lo + 1 : top + 1] <= rest_in + NEAR_REST * excursion)[::-1]
    slow = _first_slow(steps, onset_ratio, ok, low)
    if slow is not None:
        start = top - slow
    steps = -np.diff(y[top : hi + 1])  # steps[k]: frame top+k -> top+k+1
    low = y[top:hi] <= rest_out + NEAR_REST * excursion
    slow = _first_slow(steps, onset_ratio, seen[top:hi] & seen[top + 1 : hi + 1], low)
    if slow is not None:
        end = top + slow
    arrived = np.flatnonzero(
        seen[start : top + 1] & (y[start : top + 1] >= y[top] - arrival_ratio * excursion)
    )
    bottom = start + int(arrived[0]) if len(arrived) else top
    return int(start), int(bottom), int(end)


def _spaced_peaks(y: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Local maxima of ``y``, none closer than ``distance`` frames to a higher one.

    ``find_peaks``' own ``distance`` rule (the highest first, each removing the lower ones
    around it), with the distance read at the higher peak's frame: a set that speeds up
    keeps its fast reps where ``distance`` is short.
    """
    peaks = sps.find_peaks(y)[0]
    keep = np.ones(len(peaks), dtype=bool)
    lower = np.ones(len(peaks), dtype=bool)  # not yet visited: lower than every peak so far
    for i in np.argsort(y[peaks])[::-1]:  # scipy's own order, ties included
        lower[i] = False
        if keep[i]:  # a lower peak never removes a higher one, whatever its own distance
            keep[lower & (np.abs(peaks - peaks[i]) < distance[peaks[i]])] = False
    return peaks[keep]


def find_cycles(
    values: np.ndarray,
    fps: float,
    polarity: int,
    min_distance_s: float | np.ndarray,
    prominence: float,
    min_excursion_ratio: float = 0.5,
    return_ratio: float = 0.5,
    arrival_ratio: float = ARRIVAL,
    onset_ratio: float = ONSET,
    fine: np.ndarray | None = None,
) -> dict:
    """Full rep cycles in a smoothed series.

    Args:
        values: (T,) smoothed signal, NaN allowed (gaps split nothing but are skipped).
        polarity: +1 when the turning point (rep "bottom") is a maximum.
        min_distance_s: least time between two turning points: one number, or one per
            frame (the distance around each turning point is read at its frame).
        prominence: least prominence of a turning point, in signal units.
        min_excursion_ratio: a rep whose excursion is below this share of the median
            rep's is dropped (half reps, a bend for a bottle).
        return_ratio: the signal must come back towards rest by at least this share of
            the rep's excursion on *both* sides of the turning point (full cycle).
        arrival_ratio: the bottom is the first frame within this share of the excursion
            of the turning value (when a bottom is held, the moment it is reached).
        onset_ratio: a rep starts when the speed towards the turning point first exceeds
            this share of its peak speed, and ends when the speed back falls below it.
        fine: the same series less smoothed (same length), used only to place each rep's
            start, bottom and end once the reps are found on ``values``; None = ``values``.

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
    if np.ndim(min_distance_s) == 0:
        distance = max(1, int(round(min_distance_s * fps)))
        peaks, _ = sps.find_peaks(yf, distance=distance, prominence=max(prominence, 1e-12))
    else:
        peaks = _spaced_peaks(yf, np.maximum(1, np.round(np.asarray(min_distance_s) * fps)))
        prom = sps.peak_prominences(yf, peaks)[0] if len(peaks) else np.zeros(0)
        peaks = peaks[prom >= max(prominence, 1e-12)]
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
    # a rep starts where it leaves rest and ends where it is back: see ``hug_movement``
    fine_y = y if fine is None else polarity * np.asarray(fine, dtype=np.float64)
    exc = np.minimum(exc_before, exc_after)[keep]
    for j, b in enumerate(bottoms):
        starts[j], bottoms[j], ends[j] = hug_movement(
            fine_y, starts[j], b, ends[j], exc[j], arrival_ratio, onset_ratio
        )
    return {
        "starts": starts.astype(int),
        "bottoms": bottoms.astype(int),
        "ends": ends.astype(int),
        "candidates": peaks.astype(int),
        "excursions": excursion[keep],
    }
