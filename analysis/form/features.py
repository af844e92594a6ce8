"""Per-frame and per-rep squat form features that mean the same in any 3D pose source.

The training reps are triangulated from two cameras (arbitrary units, camera tilted by
up to 30 degrees); the app has MediaPipe world landmarks from one camera (metres, origin
between the hips). So nothing here uses raw coordinates: only joint angles, angles to
the body's own vertical, and lengths divided by the rep's own body lengths.

"Up" is estimated per rep as the ankle-to-shoulder direction while the person stands
(the frames with the straightest knees): standing balanced, shoulders are above the
feet, which is true whatever the camera's tilt, while the data's y axis is not.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from analysis.form.skeleton import J, clean_rep
from analysis.landmarks import angle_at

# Per-frame series, in this order (see ``frame_series``).
SERIES_NAMES: tuple[str, ...] = (
    "knee_angle", "knee_angle_asym", "hip_angle", "ankle_angle", "elbow_angle",
    "hip_above_knee", "hip_height", "trunk_lean", "shin_lean", "trunk_minus_shin",
    "knee_width_ratio", "knee_toe_width_ratio", "stance_width", "foot_pitch", "foot_pitch_asym",
    "toe_out", "pelvis_tilt", "shoulder_tilt", "knee_forward", "hip_back", "shoulder_forward",
    "heel_rise", "toe_rise",
)  # fmt: skip
STANDING_KNEE_MARGIN_DEG = 12.0
CHANGE_SERIES = ("knee_angle", "hip_angle", "hip_height", "trunk_lean", "foot_pitch", "knee_width_ratio")


def _mid(joints: np.ndarray, a: str, b: str) -> np.ndarray:
    return (joints[:, J[a]] + joints[:, J[b]]) / 2.0


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def _angle_to(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Angle in degrees between each row of ``v`` and a unit ``axis``."""
    cos = np.sum(_unit(v) * axis, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def knee_angles(joints: np.ndarray) -> np.ndarray:
    """(T, 2) left and right knee angles (hip-knee-ankle) in degrees; 180 = straight."""
    return np.column_stack(
        [
            angle_at(joints[:, J[f"{s}_hip"]], joints[:, J[f"{s}_knee"]], joints[:, J[f"{s}_ankle"]])
            for s in ("left", "right")
        ]
    )


def standing_frames(joints: np.ndarray) -> np.ndarray:
    """(T,) True for the frames with nearly straight knees (the person stands)."""
    knee = np.nanmean(knee_angles(joints), axis=1)
    if not np.isfinite(knee).any():
        return np.ones(len(joints), dtype=bool)
    return knee >= np.nanmax(knee) - STANDING_KNEE_MARGIN_DEG


def up_vector(joints: np.ndarray, y_down: bool = True) -> np.ndarray:
    """Unit "up" of one rep: mean ankle-centre to shoulder-centre direction while standing."""
    standing = standing_frames(joints)
    axis = _mid(joints, "left_shoulder", "right_shoulder") - _mid(joints, "left_ankle", "right_ankle")
    up = np.nanmean(_unit(axis[standing]), axis=0)
    if not np.isfinite(up).all() or np.linalg.norm(up) < 1e-6:
        up = np.array([0.0, -1.0 if y_down else 1.0, 0.0])
    return up / np.linalg.norm(up)


def reference_lengths(joints: np.ndarray) -> dict[str, float]:
    """Body lengths measured while standing: thigh, shin, leg, hip and shoulder width, foot."""
    standing = standing_frames(joints)
    s = joints[standing]

    def length(a, b):
        return float(np.nanmedian(np.linalg.norm(s[:, J[a]] - s[:, J[b]], axis=-1)))

    thigh = (length("left_hip", "left_knee") + length("right_hip", "right_knee")) / 2
    shin = (length("left_knee", "left_ankle") + length("right_knee", "right_ankle")) / 2
    foot = (length("left_heel", "left_foot_index") + length("right_heel", "right_foot_index")) / 2
    return {
        "thigh": thigh,
        "shin": shin,
        "leg": thigh + shin,
        "hip_width": length("left_hip", "right_hip"),
        "shoulder_width": length("left_shoulder", "right_shoulder"),
        "foot": foot,
    }


def frame_series(joints: np.ndarray, up: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every feature in ``SERIES_NAMES`` per frame, for a cleaned (T, 19, 3) rep.

    Angles are in degrees; heights and widths are ratios of the rep's standing lengths,
    so they are unit-free (multiply by ``reference_lengths`` to get units back).
    """
    joints = np.asarray(joints, dtype=np.float64)
    up = up_vector(joints) if up is None else up
    ref = reference_lengths(joints)
    standing = standing_frames(joints)

    def height(p):
        return p @ up

    def horizontal(v):
        return v - np.outer(v @ up, up)

    hip = _mid(joints, "left_hip", "right_hip")
    knee = _mid(joints, "left_knee", "right_knee")
    ankle = _mid(joints, "left_ankle", "right_ankle")
    shoulder = _mid(joints, "left_shoulder", "right_shoulder")
    heel = _mid(joints, "left_heel", "right_heel")
    toe = _mid(joints, "left_foot_index", "right_foot_index")

    knees = knee_angles(joints)
    side_angle = {
        name: np.column_stack(
            [
                angle_at(joints[:, J[f"{s}_{a}"]], joints[:, J[f"{s}_{b}"]], joints[:, J[f"{s}_{c}"]])
                for s in ("left", "right")
            ]
        )  # fmt: skip
        for name, (a, b, c) in {
            "hip": ("shoulder", "hip", "knee"),
            "ankle": ("knee", "ankle", "foot_index"),
            "elbow": ("shoulder", "elbow", "wrist"),
        }.items()
    }

    def width(a, b):
        return np.linalg.norm(horizontal(joints[:, J[a]] - joints[:, J[b]]), axis=-1)

    knee_w = width("left_knee", "right_knee")
    ankle_w = width("left_ankle", "right_ankle")
    toe_w = width("left_foot_index", "right_foot_index")

    pitch = []
    feet = []
    for s in ("left", "right"):
        v = joints[:, J[f"{s}_foot_index"]] - joints[:, J[f"{s}_heel"]]
        with np.errstate(invalid="ignore"):
            pitch.append(np.degrees(np.arcsin(np.clip(-(v @ up) / np.linalg.norm(v, axis=-1), -1, 1))))
        feet.append(_unit(horizontal(v)))
    pitch = np.column_stack(pitch)  # positive: toes lower than heel (heel up)
    toe_out = np.degrees(np.arccos(np.clip(np.sum(feet[0] * feet[1], axis=-1), -1, 1)))
    facing = _unit(horizontal(toe - heel))  # the way the person faces

    def tilt(a, b, w):
        return (height(joints[:, J[a]]) - height(joints[:, J[b]])) / w

    with np.errstate(invalid="ignore", divide="ignore"):
        trunk = _angle_to(shoulder - hip, up)
        shin = _angle_to(knee - ankle, up)
        series = {
            "knee_angle": knees.mean(axis=1),
            "knee_angle_asym": knees[:, 0] - knees[:, 1],
            "hip_angle": side_angle["hip"].mean(axis=1),
            "ankle_angle": side_angle["ankle"].mean(axis=1),
            "elbow_angle": side_angle["elbow"].mean(axis=1),
            "hip_above_knee": (height(hip) - height(knee)) / ref["thigh"],
            "hip_height": (height(hip) - height(ankle)) / ref["leg"],
            "trunk_lean": trunk,
            "shin_lean": shin,
            "trunk_minus_shin": trunk - shin,
            "knee_width_ratio": knee_w / ankle_w,
            "knee_toe_width_ratio": knee_w / toe_w,
            "stance_width": ankle_w / ref["leg"],
            "foot_pitch": pitch.mean(axis=1),
            "foot_pitch_asym": pitch[:, 0] - pitch[:, 1],
            "toe_out": toe_out,
            "pelvis_tilt": tilt("left_hip", "right_hip", ref["hip_width"]),
            "shoulder_tilt": tilt("left_shoulder", "right_shoulder", ref["shoulder_width"]),
            "knee_forward": np.sum((knee - toe) * facing, axis=-1) / ref["leg"],
            "hip_back": np.sum((ankle - hip) * facing, axis=-1) / ref["leg"],
            "shoulder_forward": np.sum((shoulder - ankle) * facing, axis=-1) / ref["leg"],
            # Heights above where the heels and toes stood: needs a frame fixed to the floor
            # (true of the triangulated data; ``track_joints`` restores it for MediaPipe).
            "heel_rise": (height(heel) - np.nanmedian(height(heel)[standing])) / ref["leg"],
            "toe_rise": (height(toe) - np.nanmedian(height(toe)[standing])) / ref["leg"],
        }
    return series


def bottom_index(series: dict[str, np.ndarray], sigma: float = 1.5) -> int:
    """Frame of greatest depth: the lowest hip (relative to the ankles), lightly smoothed."""
    hip = np.asarray(series["hip_height"], dtype=np.float64)
    if not np.isfinite(hip).any():
        knee = series["knee_angle"]
        return int(np.nanargmin(knee)) if np.isfinite(knee).any() else 0
    hip = np.where(np.isfinite(hip), hip, np.nanmax(hip))
    return int(np.argmin(ndimage.gaussian_filter1d(hip, sigma, mode="nearest")))


class RepFeatures:
    """Everything measured on one rep: cleaned joints, per-frame series, bottom, scalars.

    Build it with ``RepFeatures.from_joints(joints, times)``; ``scalars`` is the dict of
    per-rep numbers (bottom-frame values, ranges, tempo) used by the rules and the model.
    """

    def __init__(self, joints, times, series, bottom, lengths, up):
        self.joints = joints
        self.times = times
        self.series = series
        self.bottom = bottom
        self.lengths = lengths
        self.up = up
        self.scalars = _rep_scalars(series, times, bottom)

    @classmethod
    def from_joints(cls, joints: np.ndarray, times: np.ndarray | None = None, clean: bool = True):
        joints = np.asarray(joints, dtype=np.float64)
        if times is None:
            times = np.arange(len(joints)) / 30.0
        if clean:
            joints, times = clean_rep(joints, times)
        if len(joints) < 3:
            raise ValueError("a rep needs at least 3 usable frames")
        with _quiet():  # a joint unknown in the whole rep (e.g. the feet) leaves NaN, not news
            up = up_vector(joints)
            series = frame_series(joints, up)
            lengths = reference_lengths(joints)
        return cls(joints, np.asarray(times, float), series, bottom_index(series), lengths, up)

    @property
    def bottom_time(self) -> float:
        return float(self.times[self.bottom])

    def resampled(self, n_points: int = 16) -> np.ndarray:
        """(len(SERIES_NAMES), n_points) series resampled evenly over the rep's time."""
        t = self.times
        grid = np.linspace(t[0], t[-1], n_points) if t[-1] > t[0] else np.full(n_points, t[0])
        rows = []
        for name in SERIES_NAMES:
            y = self.series[name]
            ok = np.isfinite(y)
            rows.append(np.interp(grid, t[ok], y[ok]) if ok.sum() >= 2 else np.full(n_points, np.nan))
        return np.array(rows)


def _rep_scalars(series: dict[str, np.ndarray], times: np.ndarray, bottom: int) -> dict[str, float]:
    """Per-rep numbers: each series around the bottom frame, plus ranges, extremes and tempo."""
    n = len(times)
    lo, hi = max(0, bottom - 2), min(n, bottom + 3)
    n_edge = max(1, n // 10)
    out: dict[str, float] = {}
    with np.errstate(invalid="ignore"), _quiet():
        for name in SERIES_NAMES:
            y = series[name]
            out[f"bottom_{name}"] = float(np.nanmean(y[lo:hi]))
        start = {name: float(np.nanmedian(series[name][:n_edge])) for name in SERIES_NAMES}
        for name in CHANGE_SERIES:
            out[f"change_{name}"] = out[f"bottom_{name}"] - start[name]
        out["max_trunk_lean"] = float(np.nanmax(series["trunk_lean"]))
        out["max_foot_pitch_rise"] = float(np.nanmax(series["foot_pitch"]) - start["foot_pitch"])
        out["max_foot_pitch_drop"] = float(start["foot_pitch"] - np.nanmin(series["foot_pitch"]))
        out["min_knee_width_ratio"] = float(np.nanmin(series["knee_width_ratio"]))
        out["max_heel_rise"] = float(np.nanmax(series["heel_rise"]))
        out["max_toe_rise"] = float(np.nanmax(series["toe_rise"]))
        out["max_abs_knee_asym"] = float(np.nanmax(np.abs(series["knee_angle_asym"])))
        out["max_abs_pelvis_tilt"] = float(np.nanmax(np.abs(series["pelvis_tilt"])))
        out["start_stance_width"] = start["stance_width"]
        for name in SERIES_NAMES:
            if name not in CHANGE_SERIES:
                out[f"change_{name}"] = out[f"bottom_{name}"] - start[name]
        out["p90_heel_rise"] = float(np.nanpercentile(series["heel_rise"], 90))
        out["p90_toe_rise"] = float(np.nanpercentile(series["toe_rise"], 90))
        out["bottom_heel_minus_toe_rise"] = out["bottom_heel_rise"] - out["bottom_toe_rise"]
        hip = series["hip_height"]
        out["bottom_hold_fraction"] = float(np.mean(hip - np.nanmin(hip) < 0.05))
        if n > 3:
            step = np.gradient(ndimage.gaussian_filter1d(np.nan_to_num(hip, nan=np.nanmean(hip)), 2.0), times)
            out["max_down_speed"] = float(-np.min(step))
            out["max_up_speed"] = float(np.max(step))
        else:
            out["max_down_speed"] = out["max_up_speed"] = float("nan")
    duration = float(times[-1] - times[0]) if n > 1 else 0.0
    out["down_s"] = float(times[bottom] - times[0])
    out["up_s"] = float(times[-1] - times[bottom])
    out["down_fraction"] = out["down_s"] / duration if duration > 0 else 0.5
    return out


class _quiet:
    """Silence numpy's all-NaN slice warnings inside a block (a missing joint is not news)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


SCALAR_NAMES: tuple[str, ...] = (
    *(f"bottom_{name}" for name in SERIES_NAMES),
    *(f"change_{name}" for name in CHANGE_SERIES),
    "max_trunk_lean",
    "max_foot_pitch_rise",
    "max_foot_pitch_drop",
    "min_knee_width_ratio",
    "max_heel_rise",
    "max_toe_rise",
    "max_abs_knee_asym",
    "max_abs_pelvis_tilt",
    "start_stance_width",
    "down_s",
    "up_s",
    "down_fraction",
)
# Added after the first comparison (see the model card): more changes from standing,
# robust foot rises, the hold at the bottom and the hip's peak speeds.
EXTRA_SCALAR_NAMES: tuple[str, ...] = (
    *(f"change_{name}" for name in SERIES_NAMES if name not in CHANGE_SERIES),
    "p90_heel_rise", "p90_toe_rise", "bottom_heel_minus_toe_rise", "bottom_hold_fraction",
    "max_down_speed", "max_up_speed",
)  # fmt: skip
