"""1-D signals to count on, built from a ``PoseTrack``.

A counter sees one number per frame. Which number depends on what is known: an
exercise preset names a landmark height or a joint angle; ``auto`` mode builds the
principal components of the normalised pose and lets periodicity pick among them.
Everything here keeps the track's frame times and leaves NaN where nobody was seen
for longer than a short dropout.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.ndimage import median_filter

from analysis.landmarks import (
    INDEX,
    LANDMARK_NAMES,
    fill_gaps,
    gaussian_smooth,
    joint_angle,
    midpoint,
    torso_length,
)
from analysis.track import PoseTrack

# Body landmarks used for the whole-pose signal: nose plus shoulders to feet. The face
# points add nothing but jitter, and hands (pinky/index/thumb) duplicate the wrists.
BODY_POINTS: tuple[int, ...] = (0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32)
MAX_GAP_S = 0.5


def frame_rate(times: np.ndarray) -> float:
    """Frames per second from the frame times (median step, robust to a dropped frame)."""
    steps = np.diff(np.asarray(times, dtype=np.float64))
    steps = steps[steps > 0]
    return float(1.0 / np.median(steps)) if len(steps) else 30.0


def fill_all(values: np.ndarray) -> np.ndarray:
    """Interpolate every NaN along axis 0 (edges hold the nearest value).

    Only for analyses that need a complete series (PCA, FFT); the mask of really
    seen frames is kept separately.
    """
    values = np.asarray(values, dtype=np.float64)
    flat = values.reshape(len(values), -1).copy()
    idx = np.arange(len(flat))
    for col in range(flat.shape[1]):
        series = flat[:, col]
        good = np.isfinite(series)
        if good.all() or not good.any():
            continue
        series[~good] = np.interp(idx[~good], idx[good], series[good])
    return flat.reshape(values.shape)


def normalised_pose(track: PoseTrack) -> np.ndarray:
    """(T, len(BODY_POINTS), 2) image x, y with the hip centre at 0 and a torso length of 1.

    x, y are the picture's (``PoseTrack.image_points``): in shares of width and height a
    16:9 clip's sideways moves weighed 0.56 of the same move up or down, and the count
    depended on the frame's shape (docs/benchmarks.md, "Eleventh round").

    The scale is the median torso length over the clip, one number, so bending does not
    change it. Absolute position is dropped: RepCount's poses are min-max scaled per
    frame and carry none, and a camera that pans should not make reps.
    """
    points = track.image_points()
    points = fill_gaps(points, track.times, MAX_GAP_S)
    hips = midpoint(points, "left_hip", "right_hip")
    scale = np.nanmedian(torso_length(points)) if np.isfinite(points).any() else 1.0
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    return (points[:, BODY_POINTS, :] - hips[:, None, :]) / scale


def clean_pose(track: PoseTrack, smooth_s: float = 0.05) -> np.ndarray:
    """``normalised_pose`` with every gap filled, single-frame glitches removed (5-frame
    median) and a light Gaussian smoothing: (T, len(BODY_POINTS), 2), no NaN."""
    pose = normalised_pose(track)
    filled = fill_all(pose.reshape(len(pose), -1))
    if not np.isfinite(filled).all():
        filled = np.nan_to_num(filled)
    if len(filled) >= 5:
        filled = median_filter(filled, size=(5, 1), mode="nearest")
    return smooth(filled, track.times, smooth_s).reshape(pose.shape)


def scaled_per_frame(track: PoseTrack, tol: float = 1e-3, share: float = 0.9) -> bool:
    """Whether the pose was min-max scaled to 0..1 per frame and axis (PoseRAC's preprocessing,
    as in RepCount's pose files): in ``share`` of the frames with a person, the landmarks span
    exactly 0..1 in x and in y.

    Such a pose keeps relative motion but not its size: every frame's body is stretched to
    the same box, so how much of the movement a component carries says little. MediaPipe's
    own output (any video analysed here) never spans exactly 0..1 on both axes.
    """
    points = np.asarray(track.landmarks, dtype=float)[..., :2]
    points = points[np.isfinite(points).all(axis=(1, 2))]
    if not len(points):
        return False
    spans_box = (np.abs(points.min(axis=1)) < tol).all(axis=1) & (np.abs(points.max(axis=1) - 1) < tol).all(
        axis=1
    )
    return bool(spans_box.mean() >= share)


def principal_signals(pose: np.ndarray, n_components: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top principal components of a (T, P, 2) pose over time, with their variance shares.

    Returns (T, k) scores (NaN where the pose is NaN), (k,) explained variance ratios and
    the (k, P, 2) axes (each component's loading on every point's x and y).
    """
    flat = pose.reshape(len(pose), -1)
    seen = np.isfinite(flat).all(axis=1)
    k = min(n_components, flat.shape[1], max(int(seen.sum()), 1))
    scores = np.full((len(flat), k), np.nan)
    if seen.sum() < 3:
        return scores, np.zeros(k), np.zeros((k, *pose.shape[1:]))
    data = flat[seen] - flat[seen].mean(axis=0)
    _, sing, vt = np.linalg.svd(data, full_matrices=False)
    scores[seen] = data @ vt[:k].T
    var = sing**2
    return scores, var[:k] / max(var.sum(), 1e-12), vt[:k].reshape(k, *pose.shape[1:])


def _mirror_order(points: tuple[int, ...]) -> np.ndarray:
    """Positions in ``points`` of each point's other-side twin (left <-> right; nose stays)."""
    names = [LANDMARK_NAMES[i] for i in points]
    twin = [n.replace("left_", "@").replace("right_", "left_").replace("@", "right_") for n in names]
    return np.array([names.index(n) for n in twin])


BODY_TWINS = _mirror_order(BODY_POINTS)
# an axis (x or y) with less than this share of a component's loading does not decide
# whether the two sides move in turn
ALTERNATION_AXIS_SHARE = 0.15
# below this correlation between a loading and its left-right swap, the sides move in turn
ALTERNATION_CORR = -0.5
# a body whose shoulders lie closer than this (torso lengths, median over the clip) in the
# picture's x is seen from the side
SIDE_ON_SHOULDERS = 0.4


def side_on(pose: np.ndarray) -> bool:
    """Whether a (T, len(BODY_POINTS), 2) normalised pose is seen from the side."""
    left, right = BODY_POINTS.index(INDEX["left_shoulder"]), BODY_POINTS.index(INDEX["right_shoulder"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        width = float(np.nanmedian(np.abs(pose[:, left, 0] - pose[:, right, 0])))
    return bool(np.isfinite(width) and width < SIDE_ON_SHOULDERS)


def alternating_components(axes: np.ndarray, seen_from_side: bool) -> np.ndarray:
    """(k,) bool: components in which the left and right sides take turns.

    A component's loading is compared with itself, left and right landmarks swapped, one
    image axis at a time (``ALTERNATION_CORR``; an axis with little of the loading,
    ``ALTERNATION_AXIS_SHARE``, does not count). The sides take turns when the heights
    are opposite (one wrist up while the other goes down: alternating curls; one knee
    up while the other goes down: alternating lunges from the front), together with x
    if x carries some of it. When only x carries it, that is alternation only for a
    body seen from the side (one foot forward while the other goes back: alternating
    lunges from the side); from the front it is both sides opening outwards together
    (jumping jacks, arms spreading), which is one rep per cycle. Such a component runs
    at half the pace of the reps: one of its cycles is a rep on each side.
    """
    axes = np.asarray(axes, dtype=np.float64)
    out = np.zeros(len(axes), dtype=bool)
    for k, loading in enumerate(axes):
        energy = (loading**2).sum(axis=0)  # per image axis: x, y
        total = energy.sum()
        if total <= 0:
            continue
        opposite = (loading * loading[BODY_TWINS]).sum(axis=0) / np.maximum(energy, 1e-12) < ALTERNATION_CORR
        carrying = energy >= ALTERNATION_AXIS_SHARE * total
        if carrying[1]:
            out[k] = bool(opposite[1] and (opposite[0] or not carrying[0]))
        else:
            out[k] = bool(seen_from_side and opposite[0])
    return out


def landmark_height(track: PoseTrack, names: tuple[str, ...], relative_to: str | None = None) -> np.ndarray:
    """Mean image height (upward positive) of named landmarks, in torso lengths.

    ``relative_to`` subtracts another landmark's height (e.g. wrists above shoulders),
    which survives per-frame min-max scaling and a moving camera.
    """
    points = fill_gaps(track.image_points(), track.times, MAX_GAP_S)
    scale = np.nanmedian(torso_length(points)) if np.isfinite(points).any() else 1.0
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    y = -np.mean([points[:, INDEX[n], 1] for n in names], axis=0)
    if relative_to is not None:
        y = y + points[:, INDEX[relative_to], 1]
    return y / scale


def mean_angle(track: PoseTrack, names: tuple[str, ...]) -> np.ndarray:
    """Mean of named joint angles (degrees, image plane), e.g. both knees.

    Where one side is NaN the other is used, so a hidden far leg does not cut the series.
    """
    points = fill_gaps(track.image_points(), track.times, MAX_GAP_S)
    angles = np.array([joint_angle(points, n, dims=2) for n in names])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames where both sides are NaN
        return np.nanmean(angles, axis=0)


def smooth(values: np.ndarray, times: np.ndarray, sigma_s: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing with ``sigma_s`` in seconds (NaN runs kept apart)."""
    sigma = sigma_s * frame_rate(times)
    if sigma < 0.3:
        return np.asarray(values, dtype=np.float64).copy()
    return gaussian_smooth(values, sigma)
