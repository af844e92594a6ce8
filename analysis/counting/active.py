"""The active stretch: where the exercise happens, as opposed to standing around.

The local swing of the signal over one rep period is large while someone exercises
and small while they stand, walk in or rack the bar. The stretch runs from the first
to the last frame whose local swing reaches a share of the typical rep's swing.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from analysis.counting.signals import fill_all, frame_rate


def local_swing(values: np.ndarray, times: np.ndarray, period_s: float) -> np.ndarray:
    """Max minus min of the signal over a window of one period centred on each frame."""
    x = fill_all(values)
    if not np.isfinite(x).all():
        return np.zeros(len(x))
    win = max(3, int(round(period_s * frame_rate(times))))
    return maximum_filter1d(x, win, mode="nearest") - minimum_filter1d(x, win, mode="nearest")


def active_stretch(
    values: np.ndarray, times: np.ndarray, period_s: float, ratio: float = 0.35
) -> tuple[float, float, np.ndarray]:
    """(start_s, end_s, mask) of the exercise: frames whose swing is >= ``ratio`` x typical.

    "Typical" is the 75th percentile of the swing, i.e. the level of a full rep when at
    least a quarter of the clip is exercise. Gaps between active frames shorter than
    two periods are closed (a pause between reps is still the set).
    """
    t = np.asarray(times, dtype=float)
    if len(t) == 0 or not np.isfinite(period_s):
        return (float(t[0]) if len(t) else 0.0, float(t[-1]) if len(t) else 0.0, np.ones(len(t), bool))
    swing = local_swing(values, t, period_s)
    typical = np.percentile(swing, 75)
    mask = swing >= ratio * typical if typical > 0 else np.ones(len(t), bool)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return float(t[0]), float(t[-1]), mask
    # close short gaps
    fps = frame_rate(t)
    gaps = np.flatnonzero(np.diff(idx) > 1)
    for g in gaps:
        a, b = idx[g], idx[g + 1]
        if (b - a) <= 2 * period_s * fps:
            mask[a:b] = True
    return float(t[idx[0]]), float(t[idx[-1]]), mask
