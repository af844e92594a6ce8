"""Adaptive-threshold counter, after the push-up counter article.

Low-pass filter the signal, then label each sample 1 when it rises above the mean plus
``h`` standard deviations of the previous ``n`` samples. The threshold follows the
signal, so slow drift (the camera creeping, the person shifting) does not matter.
Each run of 1s is a rep's turning point; count the label changes (two per rep).
"""

from __future__ import annotations

import numpy as np

from analysis.counting.base import BaseCounter
from analysis.counting.cycles import resolve_polarity
from analysis.counting.period import signal_period
from analysis.counting.signals import fill_all, frame_rate
from analysis.landmarks import butter_lowpass


def trailing_mean_std(values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the previous ``n`` samples (fewer at the start).

    Cumulative sums make this O(T), so an 18,000-frame track re-counts instantly.
    """
    x = np.asarray(values, dtype=np.float64)
    c1 = np.concatenate([[0.0], np.cumsum(x)])
    c2 = np.concatenate([[0.0], np.cumsum(x * x)])
    idx = np.arange(len(x))
    lo = np.maximum(0, idx - n)
    count = np.maximum(idx - lo, 1)
    mean = (c1[idx] - c1[lo]) / count
    var = (c2[idx] - c2[lo]) / count - mean**2
    mean[0] = x[0]
    var[0] = 0.0
    return mean, np.sqrt(np.maximum(var, 0.0))


class AdaptiveThresholdCounter(BaseCounter):
    """Label 1 where s(t) > mean + h * std of the previous n samples; a rep per 1-run.

    Args:
        n: window of previous samples for the mean and standard deviation.
        h: how many standard deviations above the mean counts as "in the rep".
        cutoff_hz: low-pass cut-off applied first (zero phase).
        min_run_s: a stretch above the threshold shorter than this (s) is flicker, not a rep.
        polarity: "auto", "max" or "min": which extreme of the signal is the rep.
    """

    name = "adaptive"
    param_ranges = {"n": (5, 300), "h": (-1.0, 2.0), "cutoff_hz": (0.3, 6.0), "min_run_s": (0.0, 2.0)}
    param_kinds = {"n": "count", "h": "number", "cutoff_hz": "positive", "min_run_s": "nonnegative"}

    def __init__(
        self,
        n: int = 60,
        h: float = 0.5,
        cutoff_hz: float = 2.0,
        min_run_s: float = 0.15,
        polarity: str = "auto",
    ):
        self.n = n
        self.h = h
        self.cutoff_hz = cutoff_hz
        self.min_run_s = min_run_s
        self.polarity = polarity

    def fit(self, signal, times) -> AdaptiveThresholdCounter:
        x, t = self._start_fit(signal, times)
        fps = frame_rate(t)
        x = fill_all(x)
        if not np.isfinite(x).all() or len(x) < 3:
            self.threshold_ = np.full(len(x), np.nan)
            self.labels_ = np.zeros(len(x), dtype=int)
            self.label_changes_ = 0
            self.filtered_ = x
            self.polarity_ = -1 if self.polarity == "min" else 1  # no signal to judge "auto" on
            self._set_reps(t, [], [], [])
            return self
        period_s, _ = signal_period(x, t)
        xf = butter_lowpass(x, fps, cutoff_hz=self.cutoff_hz)
        self.filtered_ = xf
        self.polarity_ = resolve_polarity(self.polarity, xf, period_s * fps)
        y = self.polarity_ * xf
        mean, std = trailing_mean_std(y, max(1, int(self.n)))
        thr = mean + self.h * std
        labels = (y > thr).astype(int)
        labels[:2] = 0  # the first samples have no history to compare with
        self.threshold_ = self.polarity_ * thr
        edges = np.flatnonzero(np.diff(np.concatenate([[0], labels, [0]])))
        runs = [(a, b) for a, b in zip(edges[::2], edges[1::2]) if (b - a) / fps >= self.min_run_s]
        labels[:] = 0
        for a, b in runs:
            labels[a:b] = 1
        self.labels_ = labels
        self.label_changes_ = int(np.count_nonzero(np.diff(labels)))
        starts, bottoms, ends = [], [], []
        for i, (a, b) in enumerate(runs):
            prev_end = runs[i - 1][1] if i else max(0, a - int(period_s * fps))
            next_start = runs[i + 1][0] if i + 1 < len(runs) else min(len(y), b + int(period_s * fps))
            starts.append(prev_end + int(np.argmin(y[prev_end : a + 1])))
            bottoms.append(a + int(np.argmax(y[a:b])))
            ends.append(b - 1 + int(np.argmin(y[b - 1 : max(next_start, b)])))
        self._set_reps(t, starts, bottoms, ends)
        return self
