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


@dataclass
class PeriodEstimate:
    period_s: float  # NaN when no period was found
    score: float  # autocorrelation at the period, 0..1
    lags_s: np.ndarray  # lags of the autocorrelation, for charts
    acf: np.ndarray


def autocorrelation(values: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation of a complete 1-D series (lag 0 = 1), via FFT.

    Each lag is divided by the number of overlapping samples (unbiased), so a period
    late in the lag range is not penalised just for overlapping less.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x - x.mean()
    n = len(x)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(x, size)
    acf = np.fft.irfft(spec * np.conj(spec), size)[:n]
    acf = acf / np.arange(n, 0, -1)
    return acf / acf[0] if acf[0] > 0 else np.zeros(n)


def detrend(values: np.ndarray, times: np.ndarray, window_s: float) -> np.ndarray:
    """Remove slow drift (moving median over ``window_s``) so only the rep motion is left."""
    x = fill_all(values)
    if not np.isfinite(x).any():
        return x
    win = max(3, int(round(window_s * frame_rate(times))) | 1)
    if win >= len(x):
        return x - np.nanmedian(x)
    from scipy.ndimage import median_filter

    return x - median_filter(x, size=win, mode="nearest")


def estimate_period(
    values: np.ndarray,
    times: np.ndarray,
    min_period_s: float = 0.35,
    max_period_s: float = 8.0,
    harmonic_ratio: float = 0.7,
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
    max_lag = min(int(max_period_s * fps), int(n * 0.5))
    min_lag = max(2, int(min_period_s * fps))
    lags_s = np.arange(len(acf)) / fps
    if max_lag <= min_lag + 2:
        return PeriodEstimate(float("nan"), 0.0, lags_s, acf)
    window = acf[: max_lag + 1]
    peaks, _ = sps.find_peaks(window)
    peaks = peaks[peaks >= min_lag]
    if len(peaks) == 0:
        return PeriodEstimate(float("nan"), 0.0, lags_s, acf)
    best = window[peaks].max()
    if best <= 0:
        return PeriodEstimate(float("nan"), 0.0, lags_s, acf)
    first = peaks[np.flatnonzero(window[peaks] >= harmonic_ratio * best)[0]]
    # parabolic refinement of the peak lag
    lag = float(first)
    if 0 < first < len(window) - 1:
        a, b, c = window[first - 1], window[first], window[first + 1]
        denom = a - 2 * b + c
        if denom < 0:
            lag = first + 0.5 * (a - c) / denom
    return PeriodEstimate(lag / fps, float(max(window[first], 0.0)), lags_s, acf)
