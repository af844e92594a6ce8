"""Peak counter: ``scipy.signal.find_peaks`` on the smoothed signal.

The simplest trustworthy counter: each rep has one turning point, at least a minimum
time apart and standing out by a minimum prominence. Both default to values derived
from the signal itself (its period and robust amplitude) so no exercise is needed;
set them in seconds / signal units to override.
"""

from __future__ import annotations

import numpy as np

from analysis.counting.active import active_stretch
from analysis.counting.base import BaseCounter
from analysis.counting.cycles import find_cycles, resolve_polarity, robust_range
from analysis.counting.period import detrend, local_periods, signal_period
from analysis.counting.signals import frame_rate, smooth


def remove_drift(values: np.ndarray, times: np.ndarray, window_s: float) -> np.ndarray:
    """``values`` minus their running median over ``window_s`` (NaN stays NaN)."""
    out = detrend(values, times, window_s)
    out[~np.isfinite(values)] = np.nan
    return out


class PeakCounter(BaseCounter):
    """Count turning points found by ``find_peaks`` that form full cycles.

    Args:
        prominence: least prominence in signal units; None = ``prominence_ratio`` x
            the signal's robust range (5th to 95th percentile).
        prominence_ratio: used when ``prominence`` is None.
        min_distance_s: least time between reps; None = ``distance_ratio`` x the period.
        distance_ratio: used when ``min_distance_s`` is None.
        smooth_s: how much the signal is smoothed first (a Gaussian's sigma, in seconds); None = a tenth
            of the period.
        polarity: "auto" (turning point = extreme away from rest), "max" or "min".
        min_excursion_ratio: drop reps smaller than this share of the median rep.
        return_ratio: the signal must come back this share of the excursion on both sides.
        period_s: the rep period if known; None = from the autocorrelation of the signal.
        harmonic_ratio: a shorter lag is taken as the period when its autocorrelation peak
            reaches this share of the best one (``estimate_period``); lower prefers shorter periods.
        active_ratio: reps must lie where the local swing is at least this share of the
            typical one (the active stretch, ``active.py``); 0 (default) turns the check off.
        detrend_periods: subtract a running median over this many periods (removes level
            shifts such as camera cuts); 0 turns it off.
        fine_smooth_s: smoothing sigma (s) of the copy on which each rep's start, bottom
            and end are placed (never more than ``smooth_s``); detection is unaffected.
        local_tempo: where a stretch repeats clearly faster than the clip's period (a set
            that speeds up, ``period.local_periods``), smooth and space the reps there by
            that stretch's own period; used only while ``min_distance_s`` is None.
    """

    name = "peaks"
    checks_return = True  # full cycles only (``cycles.py``: the signal returns on both sides)
    param_ranges = {
        "prominence_ratio": (0.05, 0.9),
        "distance_ratio": (0.2, 1.0),
        "min_excursion_ratio": (0.0, 0.9),
        "return_ratio": (0.0, 0.9),
        "smooth_s": (0.0, 1.0),
        "prominence": (0.0, 5.0),
        "min_distance_s": (0.1, 10.0),
        "period_s": (0.3, 10.0),
        "harmonic_ratio": (0.4, 1.0),
        "active_ratio": (0.0, 0.8),
        "detrend_periods": (0.0, 6.0),
        "fine_smooth_s": (0.0, 0.5),
    }
    signal_unit_params = ("prominence",)
    spread_params = ("prominence",)
    param_kinds = {
        "prominence": "nonnegative", "prominence_ratio": "share", "min_distance_s": "positive",
        "distance_ratio": "positive", "smooth_s": "nonnegative", "min_excursion_ratio": "share",
        "return_ratio": "share", "period_s": "positive", "harmonic_ratio": "share", "active_ratio": "share",
        "detrend_periods": "nonnegative", "fine_smooth_s": "nonnegative",
    }  # fmt: skip
    param_choices = {**BaseCounter.param_choices, "local_tempo": (True, False)}

    def __init__(
        self,
        prominence: float | None = None,
        prominence_ratio: float = 0.3,
        min_distance_s: float | None = None,
        distance_ratio: float = 0.6,
        smooth_s: float | None = None,
        polarity: str = "auto",
        min_excursion_ratio: float = 0.3,
        return_ratio: float = 0.3,
        period_s: float | None = None,
        harmonic_ratio: float = 0.7,
        active_ratio: float = 0.0,
        detrend_periods: float = 0.0,
        fine_smooth_s: float = 0.1,
        local_tempo: bool = True,
    ):
        self.prominence = prominence
        self.prominence_ratio = prominence_ratio
        self.min_distance_s = min_distance_s
        self.distance_ratio = distance_ratio
        self.smooth_s = smooth_s
        self.polarity = polarity
        self.min_excursion_ratio = min_excursion_ratio
        self.return_ratio = return_ratio
        self.period_s = period_s
        self.harmonic_ratio = harmonic_ratio
        self.active_ratio = active_ratio
        self.detrend_periods = detrend_periods
        self.fine_smooth_s = fine_smooth_s
        self.local_tempo = local_tempo

    def _cycles(self, x: np.ndarray, t: np.ndarray, fps: float, period_s: float) -> dict:
        """Smooth, orient and (optionally) detrend for ``period_s``, then find the full cycles."""
        sigma = self.smooth_s if self.smooth_s is not None else period_s / 10
        xs = smooth(x, t, sigma)
        use_local = self.local_tempo and self.min_distance_s is None
        local = local_periods(xs, t, period_s) if use_local else np.full(len(x), np.nan)
        fast = np.isfinite(local)
        if fast.any() and self.smooth_s is None:
            # smoothing by the clip's (slower) period would flatten the fast stretch's reps
            xs = np.where(fast, smooth(x, t, float(np.nanmin(local)) / 10), xs)
        # reps are found on ``xs``; their start, bottom and end are placed on a lightly
        # smoothed copy, so the smoothing that steadies detection does not smear timing
        fine = smooth(x, t, min(sigma, self.fine_smooth_s))
        polarity = resolve_polarity(self.polarity, xs, period_s * fps)
        if self.detrend_periods > 0:
            # level shifts (a camera cut, the person moving) are not reps: measure every
            # frame against the running median of the surrounding periods
            detrended = remove_drift(xs, t, self.detrend_periods * period_s)
            fine = fine - (xs - detrended)
            xs = detrended
        prominence = (
            self.prominence if self.prominence is not None else self.prominence_ratio * robust_range(xs)
        )
        distance = self.min_distance_s if self.min_distance_s is not None else self.distance_ratio * period_s
        # per frame where the tempo is faster than the clip's (NaN elsewhere keeps ``distance``)
        spacing = self.distance_ratio * np.fmin(period_s, local) if fast.any() else distance
        cyc = find_cycles(
            xs, fps, polarity, spacing, prominence, self.min_excursion_ratio, self.return_ratio, fine=fine
        )
        return {"period_s": period_s, "xs": xs, "cyc": cyc, "polarity": polarity, "smooth_s": sigma,
                "prominence": prominence, "min_distance_s": distance, "local_period_s": local}  # fmt: skip

    def fit(self, signal, times) -> PeakCounter:
        x, t = self._start_fit(signal, times)
        fps = frame_rate(t)
        if self.period_s:
            self.period_s_, self.periodicity_ = float(self.period_s), float("nan")
        else:
            self.period_s_, self.periodicity_ = signal_period(x, t, harmonic_ratio=self.harmonic_ratio)
        run = self._cycles(x, t, fps, self.period_s_)
        xs, cyc = run["xs"], run["cyc"]
        self.polarity_ = run["polarity"]
        self.smoothed_ = xs
        self.prominence_, self.min_distance_s_ = run["prominence"], run["min_distance_s"]
        self.smooth_s_ = run["smooth_s"]  # the clip's (a faster stretch is smoothed by its own period)
        self.local_period_s_ = run["local_period_s"]
        self.peaks_ = t[cyc["candidates"]]
        self.peak_values_ = xs[cyc["candidates"]]
        # the stretch is always reported (for charts); it filters reps only when asked:
        # on the benchmarks the full-cycle and excursion checks already do its job
        ratio = self.active_ratio if self.active_ratio > 0 else 0.35
        start_s, end_s, active = active_stretch(xs, t, self.period_s_, ratio)
        self.active_start_s_, self.active_end_s_ = start_s, end_s
        inside = active[cyc["bottoms"]] if self.active_ratio > 0 else np.ones(len(cyc["bottoms"]), bool)
        self.excursions_ = cyc["excursions"][inside]
        self._set_reps(t, cyc["starts"][inside], cyc["bottoms"][inside], cyc["ends"][inside])
        return self
