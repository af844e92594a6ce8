"""Optical-flow direction counter (the workout-counting article, without its network).

It reads pixels, not landmarks, so it still works when the pose model loses the person:
dense Farneback flow inside the person's box, the mean vertical flow per frame, and a
state per frame - moving down, moving up, or still (inside a dead band). A rep is a
down phase followed by an up phase.
"""

from __future__ import annotations

import numpy as np

from analysis.counting.base import BaseCounter
from analysis.counting.cycles import robust_range
from analysis.counting.signals import fill_all, frame_rate, smooth


def person_boxes(track, margin: float = 0.15) -> np.ndarray:
    """(T, 4) normalised x0, y0, x1, y1 of the person per frame (NaN where nobody was seen)."""
    pts = np.asarray(track.landmarks, dtype=np.float64)[..., :2]
    seen = np.isfinite(pts).all(axis=(1, 2))
    lo = np.full((len(pts), 2), np.nan)
    hi = np.full((len(pts), 2), np.nan)
    lo[seen] = pts[seen].min(axis=1)
    hi[seen] = pts[seen].max(axis=1)
    size = hi - lo
    lo = np.clip(lo - margin * size, 0.0, 1.0)
    hi = np.clip(hi + margin * size, 0.0, 1.0)
    return np.column_stack([lo, hi])


def flow_signal(video_path, track=None, max_side: int = 320, margin: float = 0.15):
    """Mean vertical optical flow per frame inside the person's box: (signal, times).

    Positive = moving down the image. Units: box heights per second, so the value does
    not depend on the resolution. Without a track the whole frame is used. Frames
    where the box is unknown reuse the last known box.
    """
    import cv2

    from analysis.video import iter_frames

    boxes = person_boxes(track, margin) if track is not None else None
    values, times = [], []
    prev = None
    last_box = np.array([0.0, 0.0, 1.0, 1.0])
    for i, frame in enumerate(iter_frames(video_path, max_side=max_side)):
        gray = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2GRAY)
        times.append(frame.time_s)
        if boxes is not None:
            j = track.frame_at(frame.time_s) if len(track) else i
            if np.isfinite(boxes[j]).all():
                last_box = boxes[j]
        if prev is None or prev.shape != gray.shape:
            values.append(0.0)
            prev = gray
            continue
        flow = cv2.calcOpticalFlowFarneback(prev, gray, None, 0.5, 3, 15, 3, 5, 1.2, 0)
        h, w = gray.shape
        x0, y0, x1, y1 = last_box
        r0, r1 = int(y0 * h), max(int(y0 * h) + 1, int(np.ceil(y1 * h)))
        c0, c1 = int(x0 * w), max(int(x0 * w) + 1, int(np.ceil(x1 * w)))
        box_h = max(r1 - r0, 1)
        values.append(float(np.mean(flow[r0:r1, c0:c1, 1])) / box_h)
        prev = gray
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if len(t) > 1:
        v = v * frame_rate(t)  # per frame -> per second
    return v, t


class FlowCounter(BaseCounter):
    """Count down-then-up cycles of the mean vertical flow.

    Args:
        dead_band: |velocity| under this share of the robust velocity range is "still".
        smooth_s: how much the signal is smoothed first (a Gaussian's sigma, in seconds).
        min_phase_s: a down or up phase shorter than this is ignored.
        max_pause_s: longest stillness allowed between the down and the up phase.
        min_excursion_ratio: drop reps whose travel is below this share of the median.
        direction: "down_up" (squat, push-up) or "up_down" (pull-up, jump).
    """

    name = "flow"
    param_kinds = {
        "dead_band": "nonnegative", "smooth_s": "nonnegative", "min_phase_s": "nonnegative",
        "max_pause_s": "nonnegative", "min_excursion_ratio": "share",
    }  # fmt: skip
    param_choices = {"direction": ("down_up", "up_down")}  # it has no polarity
    param_ranges = {
        "dead_band": (0.0, 0.5),
        "smooth_s": (0.0, 0.5),
        "min_phase_s": (0.0, 1.0),
        "max_pause_s": (0.0, 5.0),
        "min_excursion_ratio": (0.0, 0.9),
    }

    def __init__(
        self,
        dead_band: float = 0.1,
        smooth_s: float = 0.2,
        min_phase_s: float = 0.2,
        max_pause_s: float = 3.0,
        min_excursion_ratio: float = 0.4,
        direction: str = "down_up",
    ):
        self.dead_band = dead_band
        self.smooth_s = smooth_s
        self.min_phase_s = min_phase_s
        self.max_pause_s = max_pause_s
        self.min_excursion_ratio = min_excursion_ratio
        self.direction = direction

    def fit(self, signal, times) -> FlowCounter:
        v, t = self._start_fit(signal, times)  # checks ``direction`` too (``param_choices``)
        fps = frame_rate(t)
        vs = fill_all(smooth(v, t, self.smooth_s))
        if not np.isfinite(vs).all():
            vs = np.nan_to_num(vs)
        if self.direction == "up_down":
            vs = -vs
        self.smoothed_ = vs
        band = self.dead_band * robust_range(vs, 2, 98)
        self.dead_band_ = float(band)
        states = np.where(vs > band, 1, np.where(vs < -band, -1, 0))
        self.states_ = states if self.direction == "down_up" else -states
        self.position_ = np.cumsum(vs) / fps  # integrated travel, for charts
        # runs of equal state
        edges = np.flatnonzero(np.diff(states)) + 1
        bounds = np.concatenate([[0], edges, [len(states)]])
        runs = [
            (int(states[a]), int(a), int(b))
            for a, b in zip(bounds[:-1], bounds[1:])
            if states[a] != 0 and (b - a) / fps >= self.min_phase_s
        ]
        starts, bottoms, ends, travel = [], [], [], []
        i = 0
        while i < len(runs) - 1:
            s1, a1, b1 = runs[i]
            s2, a2, b2 = runs[i + 1]
            if s1 == 1 and s2 == -1 and (a2 - b1) / fps <= self.max_pause_s:
                down = vs[a1:b1].sum() / fps
                up = -vs[a2:b2].sum() / fps
                starts.append(a1)
                bottoms.append((b1 + a2) // 2)
                ends.append(b2 - 1)
                travel.append(min(down, up))
                i += 2
            else:
                i += 1
        travel = np.asarray(travel)
        if len(travel):
            keep = travel >= self.min_excursion_ratio * np.median(travel)
            starts, bottoms, ends = (list(np.asarray(a)[keep]) for a in (starts, bottoms, ends))
        self._set_reps(t, starts, bottoms, ends)
        return self
