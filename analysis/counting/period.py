"""The period of a repetitive signal, and how periodic it is.

Autocorrelation answers both: the lag of its first strong peak is the rep period, and
the height of that peak (1 = the signal repeats exactly) says how much the signal is
worth counting on. This is RepNet's self-similarity idea without a network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal as sps

from analysis.counting.signals import fill_all, frame_rate

# the rep periods looked for, and how high a shorter lag's peak must reach against the
# best one to be taken (``estimate_period``)
MIN_PERIOD_S, MAX_PERIOD_S, HARMONIC_RATIO = 0.35, 8.0, 0.7
# drift slower than this is removed before a period is estimated (``remove_slow_drift``),
# where the clip holds at least ``DRIFT_MIN_WINDOWS`` such windows
DRIFT_WINDOW_S, DRIFT_MIN_WINDOWS = 10.0, 2.0


@dataclass
class PeriodEstimate:
    period_s: float  # NaN when no period was found
    score: float  # autocorrelation at the period, 0..1
    lags_s: np.ndarray  # lags of the autocorrelation, for charts
    acf: np.ndarray


def autocorrelation(values: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation of a complete series (lag 0 = 1), via FFT.

    Each lag is divided by the number of overlapping samples (unbiased), so a period
    late in the lag range is not penalised just for overlapping less. A 2-D array is
    taken as one series per row (``local_periods`` does hundreds of windows at once).
    """
    x = np.asarray(values, dtype=np.float64)
    x = x - x.mean(axis=-1, keepdims=True)
    n = x.shape[-1]
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(x, size, axis=-1)
    acf = np.fft.irfft(spec * np.conj(spec), size, axis=-1)[..., :n]
    acf = acf / np.arange(n, 0, -1)
    lag0 = acf[..., :1]
    return np.divide(acf, lag0, out=np.zeros_like(acf), where=lag0 > 0)


def detrend(values: np.ndarray, times: np.ndarray, window_s: float, min_windows: float = 1.0) -> np.ndarray:
    """Remove slow drift (moving median over ``window_s``) so only the rep motion is left.

    A clip shorter than ``min_windows`` windows has one level removed instead (its median).
    """
    x = fill_all(values)
    if not np.isfinite(x).any():
        return x
    win = max(3, int(round(window_s * frame_rate(times))) | 1)
    if win * min_windows >= len(x):
        return x - np.nanmedian(x)
    from scipy.ndimage import median_filter

    return x - median_filter(x, size=win, mode="nearest")


def remove_slow_drift(values: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``values`` without drift slower than ``DRIFT_WINDOW_S``: what a period is estimated on.

    A running median tells drift from reps only where the clip holds a few windows. On a
    clip little longer than one, the median of the windows near both ends is pinned to the
    end frames (nearest-value padding) and follows the reps there: on an 11 s webcam squat
    recording the largest motion's periodicity fell from 0.64 to 0.13, and a minor
    component's two bumps per squat outvoted it (5 counted for 2). Below
    ``DRIFT_MIN_WINDOWS`` windows one level is removed instead. On RepCount 2 of 71 counts
    change, both for the better (1.5 windows gives the same; 3 and 4 are worse:
    docs/benchmarks.md, fourteenth round).
    """
    return detrend(values, times, DRIFT_WINDOW_S, DRIFT_MIN_WINDOWS)


def estimate_period(
    values: np.ndarray,
    times: np.ndarray,
    min_period_s: float = MIN_PERIOD_S,
    max_period_s: float = MAX_PERIOD_S,
    harmonic_ratio: float = HARMONIC_RATIO,
) -> PeriodEstimate:
    """Dominant period of ``values`` from its autocorrelation.

    Candidates are local maxima of the autocorrelation between the two bounds (and at
    most half the clip, so at least two cycles fit). The shortest lag whose peak reaches
    ``harmonic_ratio`` of the best peak wins: multiples of the true period reach nearly
    the same height, and picking the largest would count every second rep.
    """
    x = fill_all(values)
    fps = frame_rate(times)
    n = len(x)
    if n < 8 or not np.isfinite(x).all() or np.nanstd(x) == 0:
        return PeriodEstimate(float("nan"), 0.0, np.zeros(0), np.zeros(0))
    acf = autocorrelation(x)
    period_s, score = _period_of(acf, fps, min_period_s, max_period_s, harmonic_ratio)
    return PeriodEstimate(period_s, score, np.arange(len(acf)) / fps, acf)


def signal_period(
    x: np.ndarray, t: np.ndarray, fallback_s: float = 2.0, harmonic_ratio: float = HARMONIC_RATIO
) -> tuple[float, float]:
    """(period_s, periodicity score) of a signal, with a fallback when none is found."""
    est = estimate_period(remove_slow_drift(x, t), t, harmonic_ratio=harmonic_ratio)
    if np.isfinite(est.period_s):
        return est.period_s, est.score
    return fallback_s, 0.0


def _period_of(
    acf: np.ndarray, fps: float, min_period_s: float, max_period_s: float, harmonic_ratio: float
) -> tuple[float, float]:
    """(period_s, score) read off one autocorrelation: ``estimate_period``'s rule."""
    n = len(acf)
    max_lag = min(int(max_period_s * fps), int(n * 0.5))
    min_lag = max(2, int(min_period_s * fps))
    if max_lag <= min_lag + 2:
        return float("nan"), 0.0
    window = acf[: max_lag + 1]
    peaks, _ = sps.find_peaks(window)
    peaks = peaks[peaks >= min_lag]
    if len(peaks) == 0:
        return float("nan"), 0.0
    best = window[peaks].max()
    if best <= 0:
        return float("nan"), 0.0
    first = peaks[np.flatnonzero(window[peaks] >= harmonic_ratio * best)[0]]
    # parabolic refinement of the peak lag
    lag = float(first)
    if 0 < first < len(window) - 1:
        a, b, c = window[first - 1], window[first], window[first + 1]
        denom = a - 2 * b + c
        if denom < 0:
            lag = first + 0.5 * (a - c) / denom
    return lag / fps, float(max(window[first], 0.0))


def local_periods(
    values: np.ndarray,
    times: np.ndarray,
    period_s: float,
    window_periods: float = 4.0,
    min_window_s: float = 6.0,
    min_score: float = 0.5,
    max_share: float = 0.8,
) -> np.ndarray:
    """Per-frame period where a stretch repeats clearly faster than the whole clip; NaN elsewhere.

    A set that changes tempo (fast reps, then slow ones) has one clip-wide period, the
    slow one, and a minimum distance between reps drawn from it drops every second fast
    rep (RepCount's stu10_36: 19 of 29 pull-ups). Windows of ``window_periods`` periods
    (at least ``min_window_s``), half a period apart, each get their own autocorrelation
    period; a window whose period is at most ``max_share`` of ``period_s`` and repeats
    convincingly (score >= ``min_score``) lends it to its frames (the shortest where
    windows overlap). Stretches at the clip's own tempo stay NaN, so only a clip that
    speeds up is counted differently.
    """
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    out = np.full(len(x), np.nan)
    if not (np.isfinite(period_s) and period_s > 0) or len(x) < 8:
        return out
    fps = frame_rate(t)
    win = int(round(max(window_periods * period_s, min_window_s) * fps))
    if win >= len(x):
        return out
    hop = max(1, int(round(period_s * fps / 2)))
    starts = np.arange(0, len(x) - win + 1, hop)
    seen = np.lib.stride_tricks.sliding_window_view(np.isfinite(x), win)[starts].mean(axis=1)
    starts = starts[seen >= 0.8]
    if not len(starts):
        return out
    # drift removed once for the clip, and every window's autocorrelation in one FFT
    # (a window at a time cost 35 ms on a 10-minute track, a third of the re-count budget)
    flat = np.lib.stride_tricks.sliding_window_view(remove_slow_drift(x, t), win)[starts]
    for a, acf in zip(starts, autocorrelation(flat)):
        local, score = _period_of(acf, fps, MIN_PERIOD_S, MAX_PERIOD_S, HARMONIC_RATIO)
        if np.isfinite(local) and score >= min_score and local <= max_share * period_s:
            out[a : a + win] = np.fmin(out[a : a + win], local)
    return out
