"""Is it a rep at all? Absolute checks in body units that a 1-D signal cannot make.

Every counter finds turning points on a signal scaled to itself: on a clip where the
person only stands, breathing and tracking jitter become "reps" as big as any other.
The gate measures each counted rep on the body instead: how far the most-moving
reliably seen landmark travels between the rep's start (or end) and its turning point,
in torso lengths (the normalised pose's unit), and how far a reliably seen joint bends.

- Every rep must move some body part by ``min_excursion`` torso lengths. Measured
  (``docs/benchmarks.md``): annotated reps of RepCount and the clips move 0.28 or more
  (99% of them 0.47 or more), a lifter standing still 0.06.
- One or two reps (``few_reps``, counted after the first check) have too little
  repetition to confirm them, so each must also bend a joint by ``lone_min_angle``
  degrees: a walk-out under the bar or a settling step moves the feet a third of a
  torso length but bends the knees only 20-40 degrees; single squats and curls bend them
  65 degrees or more. (Only a lone rep was checked at first; the sample's walk-out then
  counted 0 or 2 depending on small track changes elsewhere in the clip, two steps of
  0.3 torso lengths and 36-39 degrees. Checking pairs too changed no count on RepCount
  or the clips: docs/benchmarks.md.)

Landmarks the pose model hides most of the clip (median visibility < 0.5, the far arm
in a side view) are guesses that jump about; they are left out of both measures, and a
joint is read only when all three of its points are seen. Angles are the picture's
(``PoseTrack.image_points``), not those of x and y in shares of the width and height.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from analysis.landmarks import INDEX, JOINT_ANGLES, angle_at
from analysis.track import PoseTrack

MIN_EXCURSION = 0.15  # torso lengths
LONE_MIN_ANGLE = 45.0  # degrees
FEW_REPS = 2  # this many reps or fewer must each bend a joint by LONE_MIN_ANGLE
MIN_VISIBILITY = 0.5
# joints whose bend the lone-rep check reads (ankles add only jitter)
GATE_ANGLES = tuple(name for name in JOINT_ANGLES if not name.endswith("ankle"))


def seen_points(track: PoseTrack, points: tuple[int, ...]) -> np.ndarray:
    """Mask over ``points``: seen with median visibility >= ``MIN_VISIBILITY`` (unknown = seen)."""
    vis = np.asarray(track.visibility, dtype=float)[:, list(points)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a landmark never seen: all-NaN column
        med = np.nanmedian(vis, axis=0) if np.isfinite(vis).any() else np.full(len(points), np.nan)
    return ~(med < MIN_VISIBILITY)  # NaN (no visibility known, e.g. RepCount) counts as seen


def reliable_points(track: PoseTrack, points: tuple[int, ...]) -> np.ndarray:
    """``seen_points``, or every point when fewer than three are seen (a pose needs some)."""
    ok = seen_points(track, points)
    return ok if ok.sum() >= 3 else np.ones(len(points), dtype=bool)


@dataclass
class BodyMotion:
    """The pose a counter's reps are checked against (see ``gate_reps``).

    ``pose``: (T, P, 2) normalised pose (hip centre 0, torso length 1) of the reliably
    seen landmarks, gaps filled and lightly smoothed; ``angles``: (T, J) image-plane
    angles (degrees) of the joints whose three points are all reliably seen, named in
    ``joints``.
    """

    times: np.ndarray
    pose: np.ndarray
    angles: np.ndarray
    joints: tuple[str, ...] = ()

    @classmethod
    def from_track(cls, track: PoseTrack, pose: np.ndarray | None = None) -> BodyMotion:
        """From a track; ``pose`` = its cleaned (T, len(BODY_POINTS), 2) normalised pose if
        already computed (``signals.clean_pose``)."""
        from analysis.counting.signals import BODY_POINTS, clean_pose, fill_all, smooth

        if pose is None:
            pose = clean_pose(track)
        pose = pose[:, reliable_points(track, BODY_POINTS)]
        points = fill_all(track.image_points())
        joints = tuple(
            name
            for name in GATE_ANGLES
            if seen_points(track, tuple(INDEX[n] for n in JOINT_ANGLES[name])).all()
        )  # a hidden arm's angle is a guess that swings by 60 degrees (the sample's far elbow)
        angles = [
            smooth(angle_at(*(points[:, INDEX[n]] for n in JOINT_ANGLES[name])), track.times, 0.05)
            for name in joints
        ]
        angles_a = np.stack(angles, axis=1) if angles else np.zeros((len(track.times), 0))
        return cls(np.asarray(track.times, dtype=float), pose, angles_a, joints)

    def excursions(self, reps, both_sides: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(torso lengths, degrees) per rep: the largest move of a landmark, and the largest
        bend of a joint, between the turning point and the rep's start or end. With
        ``both_sides`` the move is the smaller of the way there and the way back: a rep that
        never comes back (a half rep at the clip's end) has none."""
        body, bend = np.zeros(len(reps)), np.zeros(len(reps))
        if self.angles.shape[1] == 0:  # no joint seen reliably: the bend cannot veto
            bend[:] = np.inf
        last = len(self.times) - 1
        for i, rep in enumerate(reps):
            s, b, e = (
                min(int(np.searchsorted(self.times, v)), last) for v in (rep.start_s, rep.bottom_s, rep.end_s)
            )
            moves = []
            for frame in (s, e):
                step = np.hypot(*(self.pose[b] - self.pose[frame]).T)
                if np.isfinite(step).any():
                    moves.append(float(np.nanmax(step)))
                turn = np.abs(self.angles[b] - self.angles[frame])
                if np.isfinite(turn).any():
                    bend[i] = max(bend[i], float(np.nanmax(turn)))
            if moves:
                body[i] = min(moves) if both_sides and len(moves) == 2 else max(moves)
        return body, bend


def gate_reps(
    motion: BodyMotion | None,
    reps: list,
    min_excursion: float = MIN_EXCURSION,
    lone_min_angle: float = LONE_MIN_ANGLE,
    few_reps: int = FEW_REPS,
    both_sides: bool = False,
) -> tuple[list, dict]:
    """(kept reps, diagnostics): drop reps too small to be reps (see the module text).

    ``both_sides``: the move must be made on the way down and on the way back (for counters
    that do not check a rep's return themselves; the peak counter's cycles do).

    The diagnostics hold each input rep's ``body_excursions`` (torso lengths) and
    ``bends`` (degrees), the thresholds, and ``dropped`` (the reps taken out).
    """
    if motion is None or not reps:
        return list(reps), {}
    body, bend = motion.excursions(reps, both_sides)
    keep = body >= min_excursion
    if 0 < keep.sum() <= few_reps:  # one or two reps: too little repeats to confirm them
        keep &= bend >= lone_min_angle
    info = {
        "min_excursion": float(min_excursion),
        "lone_min_angle": float(lone_min_angle),
        "few_reps": int(few_reps),
        "both_sides": bool(both_sides),
        "body_excursions": body,
        "bends": bend,
        "dropped": [rep.to_dict() for rep, k in zip(reps, keep) if not k],
    }
    return [rep for rep, k in zip(reps, keep) if k], info


def swing_gate(reps: list, times: np.ndarray, values: np.ndarray, min_swing: float) -> tuple[list, list]:
    """(kept, dropped): reps whose swing of ``values`` (highest minus lowest from start to
    end) reaches ``min_swing``, and the others.

    For a signal with a meaning of its own (an exercise preset's joint angle or landmark
    height), where a rep of that exercise must move it this much (``ExercisePreset.min_swing``).
    """
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    kept, dropped = [], []
    for rep in reps:
        inside = values[(times >= rep.start_s) & (times <= rep.end_s)]
        inside = inside[np.isfinite(inside)]
        swing = float(inside.max() - inside.min()) if len(inside) else 0.0
        (kept if swing >= min_swing else dropped).append(rep)
    return kept, dropped
