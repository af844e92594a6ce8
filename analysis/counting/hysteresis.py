"""Angle-hysteresis counter: the state machine of MediaPipe's repetition counter.

Two thresholds with a gap between them: the rep's turning state is entered only past
one, and left only past the other, so jitter around a single threshold cannot count
twice. A rep is rest -> turning -> rest with at least ``min_dwell_s`` in the turning
state. On a joint angle the thresholds are degrees (a squat's knee is "down" below
110 and "up" above 150, the squat preset's lines, ``presets.py``); left as None they are
set from the signal's own range.
"""

from __future__ import annotations

import numpy as np

from analysis.counting.base import BaseCounter
from analysis.counting.cycles import resolve_polarity, robust_range
from analysis.counting.period import signal_period
from analysis.counting.signals import frame_rate, smooth


class HysteresisCounter(BaseCounter):
    """State machine with "down" below ``down_below`` and "up" above ``up_above``.

    Args:
        down_below: signal value under which the state becomes "down" (None = auto).
        up_above: signal value over which the state becomes "up" (None = auto).
        polarity: where the rep's turning point is: "min" (the down state, e.g. a knee
            angle), "max" (the up state, e.g. a jumping jack's arm angle) or "auto".
        low_ratio, high_ratio: auto thresholds as shares of the robust range. With one line
            set by hand, the other stays at least (high_ratio - low_ratio) of the range away
            from it, so these two then set the gap between the lines.
        min_dwell_s: least time in the turning state for the rep to count.
        smooth_s: how much the signal is smoothed before the switch (a Gaussian's sigma, in seconds).
    """

    name = "hysteresis"
    param_kinds = {
        "down_below": "number", "up_above": "number", "low_ratio": "share", "high_ratio": "share",
        "min_dwell_s": "nonnegative", "smooth_s": "nonnegative",
    }  # fmt: skip
    param_order = (("down_below", "up_above"), ("low_ratio", "high_ratio"))
    param_ranges = {
        "down_below": (0.0, 180.0),
        "up_above": (0.0, 180.0),
        "low_ratio": (0.05, 0.45),
        "high_ratio": (0.55, 0.95),
        "min_dwell_s": (0.0, 1.5),
        "smooth_s": (0.0, 0.5),
    }
    # thresholds are levels of the signal: on an angle degrees, on a principal component
    # its own units (``param_ranges_for`` bounds them by the signal actually counted)
    signal_unit_params = ("down_below", "up_above")

    def __init__(
        self,
        down_below: float | None = None,
        up_above: float | None = None,
        polarity: str = "auto",
        low_ratio: float = 0.35,
        high_ratio: float = 0.65,
        min_dwell_s: float = 0.05,
        smooth_s: float = 0.1,
    ):
        self.down_below = down_below
        self.up_above = up_above
        self.polarity = polarity
        self.low_ratio = low_ratio
        self.high_ratio = high_ratio
        self.min_dwell_s = min_dwell_s
        self.smooth_s = smooth_s

    def fit(self, signal, times) -> HysteresisCounter:
        x, t = self._start_fit(signal, times)
        fps = frame_rate(t)
        xs = smooth(x, t, self.smooth_s)
        self.smoothed_ = xs
        period_s, _ = signal_period(x, t)
        self.polarity_ = resolve_polarity(self.polarity, xs, period_s * fps)
        self.down_below_, self.up_above_ = self._lines(xs)
        self.states_ = switch_states(xs, self.down_below_, self.up_above_)
        turning = -1 if self.polarity_ < 0 else 1
        # the signal turned so the turning point is high; frames without a person stand at the
        # rest level (its lowest), never at the turning one, whichever way the signal turns
        y = self.polarity_ * xs
        y = np.where(np.isfinite(y), y, np.nanmin(y) if np.isfinite(y).any() else 0.0)
        starts, bottoms, ends = walk_reps(self.states_, y, turning, int(round(self.min_dwell_s * fps)))
        self._set_reps(t, starts, bottoms, ends)
        return self

    def _lines(self, xs: np.ndarray) -> tuple[float, float]:
        """The "down" and "up" lines: as set by hand, else shares of the signal's robust range.

        A line set by hand stays where it was put: the automatic one moves to its other side,
        the automatic gap away (they had been swapped without a word, so the "down below 158"
        asked for became the up line).
        """
        finite = xs[np.isfinite(xs)]
        lo = np.percentile(finite, 5) if len(finite) else 0.0
        span = robust_range(xs)
        down = self.down_below if self.down_below is not None else lo + self.low_ratio * span
        up = self.up_above if self.up_above is not None else lo + self.high_ratio * span
        gap = (self.high_ratio - self.low_ratio) * span
        if self.down_below is not None and self.up_above is None:
            up = max(up, down + gap)
        elif self.up_above is not None and self.down_below is None:
            down = min(down, up - gap)
        return float(down), float(up)


def switch_states(values: np.ndarray, down_below: float, up_above: float) -> np.ndarray:
    """(T,) state per frame: -1 down, +1 up; between the lines (or NaN) the previous state
    is kept, so jitter around one line cannot switch twice (0 until a line is first passed)."""
    raw = np.where(values < down_below, -1, np.where(values > up_above, 1, 0))
    states = np.zeros(len(values), dtype=int)
    current = 0
    for i, r in enumerate(raw):
        if r != 0:
            current = r
        states[i] = current
    return states


def walk_reps(states: np.ndarray, y: np.ndarray, turning: int, min_dwell: int) -> tuple[list, list, list]:
    """(starts, bottoms, ends) frame indices of the reps in ``states``.

    A rep is rest (``-turning``) -> at least ``min_dwell`` frames in the turning state ->
    back at rest; its bottom is the turning extreme (the maximum of ``y``, the signal
    oriented so the turning point is high) and its start and end walk out from the switches
    to where ``y`` stops falling, so the rep holds its whole movement, not only the frames
    past the lines.
    """
    starts, bottoms, ends = [], [], []
    i, n = 0, len(states)
    while i < n:
        if states[i] == turning and i > 0 and states[i - 1] == -turning:
            j = i
            while j < n and states[j] == turning:
                j += 1
            if j < n and (j - i) >= min_dwell:  # back at rest: a full rep
                k = i - 1  # walk out to where the rest level stops falling
                while k > 0 and states[k - 1] == -turning and y[k - 1] <= y[k]:
                    k -= 1
                m = j
                while m < n - 1 and states[m + 1] == -turning and y[m + 1] <= y[m]:
                    m += 1
                starts.append(k)
                bottoms.append(i + int(np.argmax(y[i:j])))
                ends.append(m)
            i = j
        else:
            i += 1
    # Frames without a person stand in at a flat level, so the walks of two reps could run
    # through one gap into each other (RepCount stu4_68): two reps that overlap meet half
    # way through the overlap instead, and reps that do not overlap keep their bounds.
    for r in range(len(starts) - 1):
        if ends[r] > starts[r + 1]:
            meet = int(np.clip((ends[r] + starts[r + 1]) // 2, bottoms[r], bottoms[r + 1]))
            ends[r], starts[r + 1] = meet, meet
    return starts, bottoms, ends
