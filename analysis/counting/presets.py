"""Exercise presets: what to count on when the exercise is known.

Each preset names one signal (a joint angle, or a landmark height) and where the rep's
turning point is on it ("min" or "max"). Angle presets also carry the hysteresis
thresholds (degrees) a squat trainer would use. ``auto`` mode needs none of this.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.counting.signals import landmark_height, mean_angle
from analysis.track import PoseTrack


@dataclass(frozen=True)
class ExercisePreset:
    kind: str  # "angle" or "height"
    landmarks: tuple[str, ...]  # angle names (see landmarks.JOINT_ANGLES) or landmark names
    polarity: str  # where the rep's turning point is: "min" or "max"
    down_below: float | None = None  # hysteresis thresholds for angle presets (degrees)
    up_above: float | None = None
    relative_to: str | None = None  # for heights: subtract this landmark's height
    description: str = ""
    turn_word: str = "bottom"  # what a coach calls the rep's turning point ("top" of a pull-up)

    @property
    def min_swing(self) -> float:
        """Least swing of the signal over one rep for it to be this exercise's rep: 25
        degrees of the named joint, or a quarter torso length of the named height.

        The counters' thresholds are shares of the signal's own range, so a clip of
        another exercise counted on this preset turned its wobble into reps: a curl
        counted as squats gave 5 reps from a 4-degree knee swing (review I). Reps of the
        named exercise swing far more: at least 65 degrees (0.7 torso lengths for the
        pull-up's wrists) on every rep of the 20 clips, a partial squat about 40. Counted as
        squats, 8 of the 11 other clips now count 0 (docs/benchmarks.md, thirteenth round).
        """
        return 25.0 if self.kind == "angle" else 0.25

    @property
    def signal_name(self) -> str:
        if self.kind == "angle":
            return f"{' + '.join(self.landmarks)} angle"
        rel = f" above {self.relative_to}" if self.relative_to else ""
        return f"{' + '.join(self.landmarks)} height{rel}"

    def signal(self, track: PoseTrack) -> np.ndarray:
        if self.kind == "angle":
            return mean_angle(track, self.landmarks)
        return landmark_height(track, self.landmarks, self.relative_to)


EXERCISE_PRESETS: dict[str, ExercisePreset] = {
    "squat": ExercisePreset(
        "angle", ("left_knee", "right_knee"), "min", 110.0, 150.0, description="knee angle; bottom = most bent"
    ),
    "push_up": ExercisePreset(
        "angle", ("left_elbow", "right_elbow"), "min", 110.0, 145.0, description="elbow angle; bottom = most bent"
    ),
    "pull_up": ExercisePreset(
        "height", ("left_wrist", "right_wrist"), "min", relative_to="nose",
        description="wrists above the nose; the top (chin over the bar) is where it is smallest", turn_word="top",
    ),
    "sit_up": ExercisePreset(
        "angle", ("left_hip", "right_hip"), "min", 90.0, 125.0, description="hip angle; top = most closed",
        turn_word="top",
    ),
    "lunge": ExercisePreset(
        "angle", ("left_knee", "right_knee"), "min", 115.0, 150.0, description="knee angle; bottom = most bent"
    ),
    "jumping_jack": ExercisePreset(
        "angle", ("left_shoulder", "right_shoulder"), "max", 45.0, 80.0,
        description="arm-to-torso angle; the open position is the largest", turn_word="open",
    ),
    "curl": ExercisePreset(
        "angle", ("left_elbow", "right_elbow"), "min", 80.0, 130.0, description="elbow angle; top = most bent",
        turn_word="top",
    ),
    "overhead_press": ExercisePreset(
        "height", ("left_wrist", "right_wrist"), "max", relative_to="nose",
        description="wrists above the nose; the lockout is the highest", turn_word="top",
    ),
}  # fmt: skip

_ALIASES = {
    "pushup": "push_up", "press_up": "push_up", "pullup": "pull_up", "chin_up": "pull_up",
    "situp": "sit_up", "crunch": "sit_up", "jumping_jacks": "jumping_jack", "jump_jack": "jumping_jack",
    "jumpingjack": "jumping_jack", "biceps_curl": "curl", "bicep_curl": "curl", "press": "overhead_press",
    "shoulder_press": "overhead_press", "squats": "squat", "lunges": "lunge",
}  # fmt: skip


def exercise_key(exercise: str | None) -> str | None:
    """The preset's own name for an exercise name ("Push up", "pushup" -> "push_up"), None
    for no exercise ("auto", empty). Whatever stores a result under the exercise uses this,
    so "Squat" and "squats" find what "squat" stored."""
    if exercise is None or not exercise.strip() or exercise.strip().lower() == "auto":
        return None
    key = exercise.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in EXERCISE_PRESETS:
        names = ", ".join(sorted(EXERCISE_PRESETS))
        raise ValueError(f"unknown exercise {exercise!r}; known: {names} (or leave it out for auto)")
    return key


def turn_word(exercise: str | None) -> str:
    """What the rep's turning point (``Rep.bottom_s``) is called for an exercise: "bottom"
    for a squat, "top" for a pull-up or a curl, "turning point" with no exercise name.

    The library and the exports call it ``bottom_s`` whatever the exercise; a table headed
    "bottom (s)" over a pull-up's tops read as the hang (review O)."""
    key = exercise_key(exercise)
    return "turning point" if key is None else EXERCISE_PRESETS[key].turn_word


def preset_for(exercise: str) -> ExercisePreset:
    """The preset for an exercise name ("push-up", "Push up", "pushup" all work)."""
    key = exercise_key(exercise)
    if key is None:
        raise ValueError(f"{exercise!r} names no exercise preset (auto finds the signal itself)")
    return EXERCISE_PRESETS[key]
