"""Which way the camera looks at the person, and what that view can measure.

One camera sees motion across the image well and motion along its axis badly: knee
valgus (knees moving sideways) only from the front, trunk lean and heel or toe lift
best from the side. The view is estimated from three independent cues (the shoulder and
hip lines' turn away from the image plane in the world landmarks, and the shoulder width
against torso length in the image) and their median decides, so one bad cue cannot.
"""

from __future__ import annotations

import warnings

import numpy as np

from analysis.landmarks import INDEX

FRONT_MAX_DEG = 25.0
SIDE_MIN_DEG = 50.0
# Shoulder width / torso length of an adult seen square-on (0.74-0.76 in the front-view clips).
FRONTAL_SHOULDER_RATIO = 0.75

# What each view can be trusted for (feature group -> bool).
TRUSTED: dict[str, dict[str, bool]] = {
    "front": {
        "depth": True, "knee_angle": False, "trunk_lean": False, "knee_valgus": True,
        "heel_lift": False, "toe_lift": False, "asymmetry": True, "stance_width": True, "tempo": True,
    },
    "side": {
        "depth": True, "knee_angle": True, "trunk_lean": True, "knee_valgus": False,
        "heel_lift": True, "toe_lift": True, "asymmetry": False, "stance_width": False, "tempo": True,
    },
    "diagonal": {
        "depth": True, "knee_angle": True, "trunk_lean": True, "knee_valgus": False,
        "heel_lift": True, "toe_lift": True, "asymmetry": True, "stance_width": True, "tempo": True,
    },
}  # fmt: skip
# The feature group each fault is judged by.
FAULT_FEATURE_GROUP: dict[str, str] = {
    "no depth": "depth",
    "bending forward": "trunk_lean",
    "knees caving": "knee_valgus",
    "heels lifting": "heel_lift",
    "toes lifting": "toe_lift",
}


def _turn_deg(points: np.ndarray, left: str, right: str) -> float:
    """Median angle in degrees between a left-right body line and the image plane."""
    v = points[:, INDEX[right]] - points[:, INDEX[left]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(np.degrees(np.arctan2(np.abs(v[:, 2]), np.abs(v[:, 0])))))


def view_angle(track) -> float:
    """Estimated turn of the body away from facing the camera, 0 (front) to 90 (side) degrees."""
    cues = []
    if track.has_world:
        cues += [_turn_deg(track.world, "left_shoulder", "right_shoulder")]
        cues += [_turn_deg(track.world, "left_hip", "right_hip")]
    scale = np.array([track.width or 1.0, track.height or 1.0])
    pts = track.landmarks[..., :2] * scale
    shoulders = pts[:, INDEX["left_shoulder"]] - pts[:, INDEX["right_shoulder"]]
    torso = (pts[:, INDEX["left_shoulder"]] + pts[:, INDEX["right_shoulder"]]) / 2 - (
        pts[:, INDEX["left_hip"]] + pts[:, INDEX["right_hip"]]
    ) / 2
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        ratio = float(np.nanmedian(np.linalg.norm(shoulders, axis=1) / np.linalg.norm(torso, axis=1)))
    if np.isfinite(ratio):
        cues.append(float(np.degrees(np.arccos(np.clip(ratio / FRONTAL_SHOULDER_RATIO, 0.0, 1.0)))))
    cues = [c for c in cues if np.isfinite(c)]
    return float(np.median(cues)) if cues else float("nan")


def detect_view(track) -> str:
    """ "front", "side" or "diagonal" for a ``PoseTrack`` (diagonal when unsure)."""
    return view_from_angle(view_angle(track))


def view_from_angle(angle: float) -> str:
    """The view named by ``view_angle``'s angle (diagonal when unknown)."""
    if not np.isfinite(angle):
        return "diagonal"
    if angle <= FRONT_MAX_DEG:
        return "front"
    if angle >= SIDE_MIN_DEG:
        return "side"
    return "diagonal"


# A rep seen this many degrees away from the clip as a whole was filmed after a camera cut
# (a side view cut to a front one turns by about 70 degrees); smaller differences are the
# same camera, and judging those reps apart would only make borderline views flicker.
VIEW_CHANGE_DEG = 30.0


def rep_view(track, start_s: float, end_s: float, clip_angle: float) -> str:
    """The view of one rep: the clip's, unless the rep was filmed from elsewhere (a cut)."""
    angle = view_angle(track.slice_time(start_s, end_s + 1e-6))
    if np.isfinite(angle) and np.isfinite(clip_angle) and abs(angle - clip_angle) > VIEW_CHANGE_DEG:
        return view_from_angle(angle)
    return view_from_angle(clip_angle)


FEET = ("left_heel", "right_heel", "left_foot_index", "right_foot_index")
MIN_FOOT_VISIBILITY = 0.5


def feet_in_view(track, start_s: float | None = None, end_s: float | None = None) -> bool:
    """Whether at least one foot is seen during a stretch of the track.

    Close-ups often cut the feet off; MediaPipe then still guesses foot landmarks (low
    visibility, or below the frame's edge), and heel or toe lift measured on guesses
    would be invented. The better-seen foot must be visible and inside the frame.
    """
    keep = np.ones(len(track.times), dtype=bool)
    if start_s is not None:
        keep &= track.times >= start_s
    if end_s is not None:
        keep &= track.times <= end_s
    idx = [INDEX[name] for name in FEET]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        visibility = np.nanmedian(track.visibility[keep][:, idx], axis=0)
        inside = np.nanmedian(track.landmarks[keep][:, idx, 1], axis=0) <= 1.0
    best = np.where(inside, visibility, 0.0)
    return bool(np.isfinite(best).any() and np.nanmax(best) >= MIN_FOOT_VISIBILITY)
