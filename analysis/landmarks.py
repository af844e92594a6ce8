"""Landmark maths: names, skeleton, joint angles, gap filling, smoothing, normalisation.

Everything here works on plain arrays shaped (frames, 33, 3) (or (frames,) for a
single series) with NaN where no person was found, so it serves image landmarks,
world landmarks and the RepCount pose files alike.
"""

from __future__ import annotations

import numpy as np

LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip
INDEX = {name: i for i, name in enumerate(LANDMARK_NAMES)}

# Body edges drawn as the skeleton (face and hands left out: they clutter a workout view).
SKELETON_EDGES: tuple[tuple[int, int], ...] = tuple(
    (INDEX[a], INDEX[b])
    for a, b in [
        ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_elbow"),
        ("left_elbow", "left_wrist"), ("right_shoulder", "right_elbow"),
        ("right_elbow", "right_wrist"), ("left_shoulder", "left_hip"),
        ("right_shoulder", "right_hip"), ("left_hip", "right_hip"), ("left_hip", "left_knee"),
        ("left_knee", "left_ankle"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
        ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
        ("left_ankle", "left_foot_index"), ("right_ankle", "right_heel"),
        ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
        ("nose", "left_shoulder"), ("nose", "right_shoulder"),
    ]
)  # fmt: skip

# Joint angle = angle at the middle landmark between the two outer ones, in degrees.
JOINT_ANGLES: dict[str, tuple[str, str, str]] = {
    f"{side}_{joint}": (f"{side}_{a}", f"{side}_{b}", f"{side}_{c}")
    for side in ("left", "right")
    for joint, (a, b, c) in {
        "knee": ("hip", "knee", "ankle"),
        "hip": ("shoulder", "hip", "knee"),
        "elbow": ("shoulder", "elbow", "wrist"),
        "shoulder": ("elbow", "shoulder", "hip"),
        "ankle": ("knee", "ankle", "foot_index"),
    }.items()
}
ANGLE_NAMES: tuple[str, ...] = (*JOINT_ANGLES, "trunk_lean")


def angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees for points shaped (..., d); NaN where any point is NaN."""
    ba = a - b
    bc = c - b
    dot = np.sum(ba * bc, axis=-1)
    norms = np.linalg.norm(ba, axis=-1) * np.linalg.norm(bc, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = dot / norms
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def midpoint(points: np.ndarray, a: str, b: str) -> np.ndarray:
    """Mid-point of two named landmarks for an array shaped (..., 33, d)."""
    return (points[..., INDEX[a], :] + points[..., INDEX[b], :]) / 2.0


def trunk_lean(points: np.ndarray) -> np.ndarray:
    """Angle in degrees between the hip-to-shoulder line and vertical (image y points down).

    Uses x and y only, so it is the lean seen by the camera; 0 = upright.
    """
    hips = midpoint(points, "left_hip", "right_hip")[..., :2]
    shoulders = midpoint(points, "left_shoulder", "right_shoulder")[..., :2]
    up = hips - shoulders  # shoulders are above hips: positive y difference when upright
    return np.degrees(np.arctan2(np.abs(up[..., 0]), up[..., 1]))


def joint_angle(points: np.ndarray, name: str, dims: int = 3) -> np.ndarray:
    """One named angle (see ``ANGLE_NAMES``) per frame for points shaped (..., 33, d).

    ``dims=2`` measures in the image plane (what a side-view camera sees); 3 uses depth too.
    """
    if name == "trunk_lean":
        return trunk_lean(points)
    a, b, c = (INDEX[n] for n in JOINT_ANGLES[name])
    p = points[..., :dims]
    return angle_at(p[..., a, :], p[..., b, :], p[..., c, :])


def joint_angles(points: np.ndarray, dims: int = 3) -> dict[str, np.ndarray]:
    """Every angle in ``ANGLE_NAMES``, each a (frames,) array in degrees."""
    return {name: joint_angle(points, name, dims) for name in ANGLE_NAMES}


def fill_gaps(values: np.ndarray, times: np.ndarray, max_gap_s: float = 0.25) -> np.ndarray:
    """Linearly interpolate NaN runs no longer than ``max_gap_s`` along axis 0.

    Short dropouts (a blurred frame) are bridged; longer gaps stay NaN, because
    inventing a quarter second of motion is guessing. Works column by column for any
    trailing shape.
    """
    values = np.asarray(values, dtype=np.float64)
    flat = values.reshape(len(values), -1).copy()
    times = np.asarray(times, dtype=np.float64)
    for col in range(flat.shape[1]):
        series = flat[:, col]
        missing = np.isnan(series)
        if not missing.any() or missing.all():
            continue
        good = np.flatnonzero(~missing)
        filled = np.interp(times, times[good], series[good])
        edges = np.flatnonzero(np.diff(np.concatenate([[0], missing.astype(int), [0]])))
        for start, stop in zip(edges[::2], edges[1::2]):
            interior = start > 0 and stop < len(series)
            if interior and times[stop] - times[start - 1] <= max_gap_s + 1e-9:
                series[start:stop] = filled[start:stop]
    return flat.reshape(values.shape)


def _nan_runs_apply(values: np.ndarray, func) -> np.ndarray:
    """Apply ``func`` to each finite run of a 1-D series separately; NaNs stay NaN."""
    out = np.full_like(values, np.nan, dtype=np.float64)
    finite = np.isfinite(values)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        out[start:stop] = func(values[start:stop])
    return out


def butter_lowpass(values: np.ndarray, fps: float, cutoff_hz: float = 3.0, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0 (``filtfilt``: no lag at rep bottoms).

    Finite runs are filtered separately so a gap does not smear NaNs over the series;
    runs too short for the filter are left as they are.
    """
    from scipy import signal  # imported here: pose workers import this module and start faster without SciPy

    values = np.asarray(values, dtype=np.float64)
    nyquist = fps / 2.0
    if cutoff_hz >= nyquist:
        return values.copy()
    b, a = signal.butter(order, cutoff_hz / nyquist)
    pad = 3 * max(len(a), len(b))

    def run(series):
        return signal.filtfilt(b, a, series) if len(series) > pad else series

    flat = values.reshape(len(values), -1)
    out = np.column_stack([_nan_runs_apply(flat[:, i], run) for i in range(flat.shape[1])])
    return out.reshape(values.shape)


def gaussian_smooth(values: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Gaussian smoothing along axis 0 with ``sigma`` in frames, as in the mobile-assistant paper.

    Symmetric kernel, so zero phase; each finite run is smoothed separately.
    """
    values = np.asarray(values, dtype=np.float64)
    flat = values.reshape(len(values), -1)

    from scipy import ndimage  # see butter_lowpass

    def run(series):
        return ndimage.gaussian_filter1d(series, sigma, mode="nearest")

    out = np.column_stack([_nan_runs_apply(flat[:, i], run) for i in range(flat.shape[1])])
    return out.reshape(values.shape)


def torso_length(points: np.ndarray) -> np.ndarray:
    """Distance from hip centre to shoulder centre per frame."""
    hips = midpoint(points, "left_hip", "right_hip")
    shoulders = midpoint(points, "left_shoulder", "right_shoulder")
    return np.linalg.norm(shoulders - hips, axis=-1)
