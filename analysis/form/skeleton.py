"""The 19-joint squat skeleton and its mapping to MediaPipe's 33 landmarks.

The squat-form training data stores 19 joints per frame (triangulated from two
cameras); the app has MediaPipe's 33 landmarks from one camera. Every form feature is
computed on the 19-joint layout so that both sources go through the same code. This
module also finds "exploded" frames (failed triangulation, a mis-detected limb) by
their bone lengths, because one absurd frame would otherwise decide a rep's bottom.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import ndimage

from analysis.landmarks import INDEX, fill_gaps

JOINT_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip
J = {name: i for i, name in enumerate(JOINT_NAMES)}
# MediaPipe landmark index of each of the 19 joints (README table, checked against the data:
# index 15/16 sit behind the ankles and 17/18 in front of them, so they are heels and toes).
MEDIAPIPE_INDEX: tuple[int, ...] = tuple(INDEX[name] for name in JOINT_NAMES)

# Bones whose length is fixed for one person: used to spot exploded frames.
BONES: tuple[tuple[str, str], ...] = (
    ("left_hip", "left_knee"), ("right_hip", "right_knee"), ("left_knee", "left_ankle"),
    ("right_knee", "right_ankle"), ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"), ("left_shoulder", "right_shoulder"), ("left_heel", "left_foot_index"),
    ("right_heel", "right_foot_index"), ("left_ankle", "left_heel"), ("right_ankle", "right_heel"),
)  # fmt: skip


def from_mediapipe(points33: np.ndarray) -> np.ndarray:
    """(T, 33, 3) MediaPipe landmarks -> (T, 19, 3) squat skeleton."""
    return np.asarray(points33, dtype=np.float64)[:, list(MEDIAPIPE_INDEX), :]


def track_joints(track, start_s: float | None = None, end_s: float | None = None):
    """19-joint positions and times of a ``PoseTrack`` between ``start_s`` and ``end_s``.

    World landmarks (metres, true 3D) are used when the track has them; otherwise the
    image landmarks are turned into pixels (x times width, y times height, z times width)
    so that angles are not distorted by the frame's aspect ratio. Returns
    ``(joints (T, 19, 3), times (T,), metres: bool)``.
    """
    times = np.asarray(track.times, dtype=np.float64)
    keep = np.ones(len(times), dtype=bool)
    if start_s is not None:
        keep &= times >= start_s - 1e-9
    if end_s is not None:
        keep &= times <= end_s + 1e-9
    if track.has_world and np.isfinite(track.world[keep]).any():
        points = _world_fixed_to_camera(track.world[keep], track.landmarks[keep], track.width, track.height)
        metres = True
    else:
        scale = np.array([track.width or 1.0, track.height or 1.0, track.width or 1.0])
        points = track.landmarks[keep] * scale
        metres = False
    joints = from_mediapipe(points)
    joints = fill_gaps(joints, times[keep])
    return joints, times[keep], metres


def _world_fixed_to_camera(world: np.ndarray, image: np.ndarray, width: int, height: int) -> np.ndarray:
    """World landmarks moved so their origin stays put instead of following the hips.

    MediaPipe centres world landmarks between the hips in every frame, so a heel that
    stays on the floor seems to rise as the hips sink. Adding back the hip centre's image
    motion (converted to metres by the torso's length in both spaces) restores a frame
    fixed to the camera, like the triangulated training data; depth motion stays unknown.
    """
    scale = np.array([width or 1.0, height or 1.0])
    px = image[..., :2] * scale
    hips_px = (px[:, INDEX["left_hip"]] + px[:, INDEX["right_hip"]]) / 2
    shoulders_px = (px[:, INDEX["left_shoulder"]] + px[:, INDEX["right_shoulder"]]) / 2
    hips_w = (world[:, INDEX["left_hip"]] + world[:, INDEX["right_hip"]]) / 2
    shoulders_w = (world[:, INDEX["left_shoulder"]] + world[:, INDEX["right_shoulder"]]) / 2
    with np.errstate(invalid="ignore"):
        torso_px = np.nanmedian(np.linalg.norm(shoulders_px - hips_px, axis=-1))
        torso_w = np.nanmedian(np.linalg.norm((shoulders_w - hips_w)[:, :2], axis=-1))
    if not (np.isfinite(torso_px) and np.isfinite(torso_w) and torso_px > 0):
        return np.asarray(world, dtype=np.float64)
    offset = np.zeros((len(world), 3))
    offset[:, :2] = (hips_px - np.nanmedian(hips_px, axis=0)) * (torso_w / torso_px)
    return np.asarray(world, dtype=np.float64) + offset[:, None, :]


def bone_lengths(joints: np.ndarray) -> np.ndarray:
    """(T, n_bones) lengths of ``BONES``."""
    a = joints[:, [J[x] for x, _ in BONES]]
    b = joints[:, [J[y] for _, y in BONES]]
    return np.linalg.norm(a - b, axis=-1)


def body_scale(joints: np.ndarray) -> float:
    """Median distance from the ankle centre to the shoulder centre: the rep's length unit."""
    ankles = (joints[:, J["left_ankle"]] + joints[:, J["right_ankle"]]) / 2
    shoulders = (joints[:, J["left_shoulder"]] + joints[:, J["right_shoulder"]]) / 2
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scale = float(np.nanmedian(np.linalg.norm(shoulders - ankles, axis=-1)))
    return scale if np.isfinite(scale) and scale > 0 else 1.0


# A joint this many body lengths from its median position over the rep is exploded, and so
# is a frame whose median bone is this many times longer (or shorter) than usual.
MAX_TRAVEL = 2.0
MAX_FRAME_STRETCH = 3.0
# Joints a frame cannot do without (shoulders, hips, knees, ankles): a frame missing one is
# dropped; missing face, arm or foot joints only leave their own features unknown.
ESSENTIAL_JOINTS: tuple[int, ...] = (3, 4, 9, 10, 11, 12, 13, 14)


def _fill_over_time(joints: np.ndarray) -> np.ndarray:
    """Each joint's missing frames interpolated from its own neighbouring frames.

    The running median needs a full series. Filling a gap with the joint's median over the
    rep (its standing position, mostly) dragged the median of a video rep with dropped
    frames towards standing: a deep squat with every other frame missing read 60 degrees of
    knee bend instead of 33 and was called "no depth". A joint never seen stays at 0.
    """
    out = np.array(joints, dtype=np.float64)
    frames = np.arange(len(out))
    for j in range(out.shape[1]):
        seen = np.isfinite(out[:, j]).all(axis=-1)
        if seen.all():
            continue
        for d in range(out.shape[2]):
            out[:, j, d] = np.interp(frames, frames[seen], out[seen, j, d]) if seen.any() else 0.0
    return out


def outlier_joints(joints: np.ndarray, tolerance: float = 0.3, window: int = 7) -> np.ndarray:
    """(T, 19) True where a joint jumps away from its own recent path.

    Failed triangulation throws single joints (often a wrist or a foot) far away for a
    frame or two, while real motion is smooth. A joint further than ``tolerance`` body
    lengths (ankles to shoulders) from the running median of its position is an outlier.
    Bone lengths are no test here: in a deep squat the triangulated thigh legitimately
    stretches by half, so a length test would throw away exactly the bottom frames.
    """
    joints = np.asarray(joints, dtype=np.float64)
    if len(joints) < 3:
        return ~np.isfinite(joints).all(axis=-1)
    scale = body_scale(joints)
    filled = _fill_over_time(joints)
    running = ndimage.median_filter(filled, size=(min(window, len(joints)), 1, 1), mode="nearest")
    distance = np.linalg.norm(filled - running, axis=-1) / scale
    # Runs of exploded frames longer than half the window defeat the running median: also
    # refuse any joint far from where that joint is over the whole rep (a squat moves no
    # joint by more than a body length or so), and whole frames whose bones are several
    # times their usual length (a frame thrown away at another scale).
    overall = np.nanmedian(filled, axis=0)
    far = np.linalg.norm(filled - overall, axis=-1) / scale > MAX_TRAVEL
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        bones = bone_lengths(joints)
        stretch = bones / np.nanmedian(bones, axis=0)
        absurd = np.nanmedian(stretch, axis=1)
    absurd_frame = ~((absurd > 1 / MAX_FRAME_STRETCH) & (absurd < MAX_FRAME_STRETCH))
    return (distance > tolerance) | far | absurd_frame[:, None] | ~np.isfinite(joints).all(axis=-1)


def clean_rep(joints: np.ndarray, times: np.ndarray | None = None, tolerance: float = 0.3):
    """Repair or drop exploded frames of one rep. Returns ``(joints, times)``.

    Outlier joints are replaced by interpolation from the same joint in neighbouring
    frames; a frame with an ``ESSENTIAL_JOINTS`` joint still unknown after that is dropped
    (a joint unknown in the whole rep stays NaN, and so do the features that need it).
    Everything is relative to the rep's own body length, so any unit works.
    """
    joints = np.array(joints, dtype=np.float64)
    times = np.arange(len(joints), dtype=np.float64) if times is None else np.asarray(times, float)
    bad = outlier_joints(joints, tolerance)
    joints[bad] = np.nan
    frames = np.arange(len(joints), dtype=np.float64)
    for j in range(joints.shape[1]):
        ok = ~bad[:, j]
        if ok.sum() >= 2:
            for d in range(3):
                joints[:, j, d] = np.interp(frames, frames[ok], joints[ok, j, d])
    keep = np.isfinite(joints[:, list(ESSENTIAL_JOINTS)]).all(axis=(1, 2))
    return joints[keep], times[keep]
