"""Periodicity counter: RepNet's idea without a network.

The autocorrelation gives the period; the period then predicts where the next turning
point must be. Starting from the clearest turning point, the counter steps one period
forwards and backwards, snapping to the extreme within a tolerance window each time
and following slow changes of tempo. It stops where the local swing says the exercise
has ended, so noise wiggles between reps or after the set are never cycles.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

from analysis.counting.active import active_stretch
from analysis.counting.base import BaseCounter
from analysis.counting.cycles import resolve_polarity, robust_range
from analysis.counting.period import estimate_period, remove_slow_drift
from analysis.counting.signals import fill_all, frame_rate, smooth


class PeriodicityCounter(BaseCounter):
    """Count cycles by stepping the autocorrelation period along the signal.

    Args:
        min_period_s, max_period_s: range searched for the period.
        tolerance: the next turning point is searched within (1 +- tolerance) periods.
        tempo_follow: how fast the local period follows the observed rep lengths (0..1).
        active_ratio: share of the typical swing that marks the active stretch.
        return_ratio: between two turning points the signal must fall back by this
            share of the robust amplitude, and on both sides of each counted one; where it
            does not, the stepping stops there, as at the end of the set.
        polarity: "auto", "max" or "min".
    """

    name = "periodicity"
    param_kinds = {
        "min_period_s": "positive", "max_period_s": "positive", "tolerance": "nonnegative",
        "tempo_follow": "share", "active_ratio": "share", "return_ratio": "share",
    }  # fmt: skip
    param_order = (("min_period_s", "max_period_s"),)
    param_ranges = {
        "min_period_s": (0.2, 2.0),
        "max_period_s": (2.5, 15.0),
        "tolerance": (0.1, 0.6),
        "tempo_follow": (0.0, 1.0),
        "active_ratio": (0.1, 0.8),
        "return_ratio": (0.1, 0.9),
    }

    def __init__(
        self,
        min_period_s: float = 0.35,
        max_period_s: float = 8.0,
        tolerance: float = 0.4,
        tempo_follow: float = 0.3,
        active_ratio: float = 0.35,
        return_ratio: float = 0.3,
        polarity: str = "auto",
    ):
        self.min_period_s = min_period_s
        self.max_period_s = max_period_s
        self.tolerance = tolerance
        self.tempo_follow = tempo_follow
        self.active_ratio = active_ratio
        self.return_ratio = return_ratio
        self.polarity = polarity

    def fit(self, signal, times) -> PeriodicityCounter:
        x, t = self._start_fit(signal, times)
        fps = frame_rate(t)
        est = estimate_period(remove_slow_drift(x, t), t, self.min_period_s, self.max_period_s)
        self.period_s_ = est.period_s
        self.periodicity_ = est.score
        self.acf_lags_s_ = est.lags_s[: int(self.max_period_s * fps) + 1]
        self.acf_ = est.acf[: int(self.max_period_s * fps) + 1]
        if not np.isfinite(est.period_s) or not np.isfinite(x).any():
            self.smoothed_ = x
            self.turning_points_ = np.zeros(0)
            self.none_because_ = (
                f"no period repeats between {self.min_period_s:g} and {self.max_period_s:g} s"
            )
            self._set_reps(t, [], [], [])
            return self
        period = est.period_s * fps
        xs = fill_all(smooth(x, t, est.period_s / 10))
        self.smoothed_ = xs
        self.polarity_ = resolve_polarity(self.polarity, xs, period)
        y = self.polarity_ * xs
        start_s, end_s, active = active_stretch(xs, t, est.period_s, self.active_ratio)
        self.active_start_s_, self.active_end_s_ = start_s, end_s
        amp = robust_range(xs[active]) if active.any() else robust_range(xs)
        need = self.return_ratio * amp
        n = len(y)
        if not active.any():
            self.turning_points_ = np.zeros(0)
            self.none_because_ = "no stretch of the signal swings like its reps"
            self._set_reps(t, [], [], [])
            return self
        # anchor on a typical rep (median height among clear turning points), not the
        # most extreme one, which is often the odd movement at the end of a set
        peaks, _ = sps.find_peaks(y, distance=max(1, int(0.6 * period)), prominence=max(need, 1e-12))
        peaks = peaks[active[peaks]]
        if len(peaks):
            anchor = int(peaks[np.argsort(y[peaks])[len(peaks) // 2]])
        else:
            anchor = int(np.flatnonzero(active)[np.argmax(y[active])])
        points = [anchor]
        for direction in (1, -1):
            cur, local = anchor, period
            while True:
                lo = cur + direction * int(round((1 - self.tolerance) * local))
                hi = cur + direction * int(round((1 + self.tolerance) * local))
                a, b = sorted((lo, hi))
                a, b = max(a, 0), min(b, n - 1)
                if b - a < 1:
                    break
                nxt = a + int(np.argmax(y[a : b + 1]))
                between = y[min(cur, nxt) : max(cur, nxt) + 1]
                dip = min(y[cur], y[nxt]) - between.min()
                if not active[nxt] or dip < need:
                    break
                points.append(nxt)
                local = (1 - self.tempo_follow) * local + self.tempo_follow * abs(nxt - cur)
                cur = nxt
        points = np.array(sorted(set(points)))
        self.turning_points_ = t[points]
        # full cycles only: the signal must come back from the first and last turning point
        starts, bottoms, ends = [], [], []
        half = int(round(period))
        for i, p in enumerate(points):
            left = points[i - 1] if i else max(0, p - half)
            right = points[i + 1] if i + 1 < len(points) else min(n - 1, p + half)
            s = left + int(np.argmin(y[left : p + 1]))
            e = p + int(np.argmin(y[p : right + 1]))
            if y[p] - y[s] < need or y[p] - y[e] < need:
                continue
            starts.append(s)
            bottoms.append(p)
            ends.append(e)
        self._set_reps(t, starts, bottoms, ends)
        return self
