"""Which joint angles and landmarks move most in a clip: what a chart should show first.

A chart that opens on the knee and hip of a curl shows two flat lines whose 5-degree
jitter the auto-scaled axis blows up into "motion", while the elbow, the only joint that
works, is hidden in a menu. The dashboard's charts open on the parts this module ranks
highest instead; a choice the user makes is kept over that.

Both rankings read the picture (``PoseTrack.image_points``) and skip landmarks that are
mostly hidden (``gate.seen_points``): a hidden joint's guessed position jitters, and a
jittering angle can span as much as a working one.
"""

from __future__ import annotations

import numpy as np

from analysis.counting.gate import seen_points
from analysis.counting.presets import EXERCISE_PRESETS
from analysis.landmarks import ANGLE_NAMES, INDEX, JOINT_ANGLES, joint_angle
from analysis.track import PoseTrack

# share of the frames a part must be found in to be ranked (a person walking through for
# a second must not decide the chart of a clip of someone else)
MIN_FOUND = 0.5
# the spread that is ranked: between these percentiles, so one wild frame does not count
SPREAD_PERCENTILES = (5.0, 95.0)
# a part shown beside the one that moves most must move at least this share as much (a
# curl's shoulder, 10 degrees beside the elbow's 140, was a flat line that only took room)
MIN_SHARE = 0.25
# the body's main landmarks (no face, no hand or foot tips: they ride on the wrist, ankle
# and head, and jitter most)
BODY_LANDMARKS: tuple[str, ...] = tuple(
    f"{side}_{part}"
    for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    for side in ("left", "right")
)
# the joints whose bend tells two movements apart, legs first (``joint_bends``)
JOINTS: tuple[str, ...] = ("knee", "hip", "elbow", "shoulder")
LEG_JOINTS: tuple[str, ...] = ("knee", "hip")
# a joint bending less than this within a rep is still: the least swing of a rep of any angle
# preset (``ExercisePreset.min_swing``, 25 degrees)
STILL_BELOW = EXERCISE_PRESETS["squat"].min_swing
# legs work from twice that: between the two nothing is said (a push-up's knees, seen at a
# shallow angle, wobble up to 28 degrees without a rep; a squat's bend 88 or more on the
# shared clips), so a clip near the bar never makes the hint of another exercise
LEGS_WORK_FROM = 2 * STILL_BELOW


def spread(values: np.ndarray) -> float:
    """Robust range of a series (``SPREAD_PERCENTILES``); 0 when it is found in too few frames."""
    values = np.asarray(values, dtype=float)
    found = np.isfinite(values)
    if len(values) == 0 or found.mean() < MIN_FOUND:
        return 0.0
    low, high = np.percentile(values[found], SPREAD_PERCENTILES)
    return float(high - low)


def rep_spans(reps) -> list[tuple[float, float]]:
    """(start_s, end_s) pairs from what a caller has: the pairs themselves, the counter's reps
    (``Rep`` or dicts with ``start_s`` and ``end_s``), or a ``CountResult`` (its reps), as
    ``assess_squat_reps`` takes them. ``joint_bends(track, result.reps)`` failed with
    "cannot unpack non-iterable Rep object"; only the pages knew to make pairs."""
    pairs = []
    for rep in getattr(reps, "reps", reps) or ():
        if isinstance(rep, dict):
            pairs.append((float(rep["start_s"]), float(rep["end_s"])))
        elif hasattr(rep, "start_s"):
            pairs.append((float(rep.start_s), float(rep.end_s)))
        else:
            start_s, end_s = rep
            pairs.append((float(start_s), float(end_s)))
    return pairs


def span_spread(values: np.ndarray, times: np.ndarray, spans) -> float:
    """How far a series moves within a rep: the median over ``spans`` (the reps: see
    ``rep_spans``) of its range inside each; ``spread`` of the whole series when there are none.

    Within reps, so that walking into view or reaching for a towel between sets does not
    outrank the joint that does the work.
    """
    values, times = np.asarray(values, dtype=float), np.asarray(times, dtype=float)
    ranges = []
    for start_s, end_s in rep_spans(spans):
        inside = values[(times >= start_s) & (times <= end_s)]
        inside = inside[np.isfinite(inside)]
        if len(inside) >= 2:
            ranges.append(float(inside.max() - inside.min()))
    return float(np.median(ranges)) if ranges else spread(values)


def better_seen_side(track: PoseTrack, parts: tuple[str, ...] = ("hip", "knee", "ankle")) -> str:
    """``"left"`` or ``"right"``: the side whose ``parts`` the model saw better (mean
    visibility; left when unknown or equal). A side view hides one leg behind the other."""
    vis = np.asarray(track.visibility, dtype=float)
    means = {}
    for side in ("left", "right"):
        columns = vis[:, [INDEX[f"{side}_{part}"] for part in parts]]
        means[side] = float(np.nanmean(columns)) if np.isfinite(columns).any() else 0.0
    return "right" if means["right"] > means["left"] else "left"


def on_seen_side(track: PoseTrack, angle: str) -> str:
    """``angle`` ("right_knee") on the side of the body ``track``'s camera sees better
    ("left_knee" for a lifter filmed from the left); an angle of no side as it is.

    Two clips filmed from opposite sides, compared on one name, put one clip's hidden far
    knee, guessed by the model, beside the other's seen one (review X)."""
    side, _, joint = angle.partition("_")
    if side not in ("left", "right"):
        return angle
    seen = f"{better_seen_side(track)}_{joint}"
    return seen if seen in ANGLE_NAMES else angle


def _ranked(spreads: dict[str, float], n: int, fallback: tuple[str, ...]) -> list[str]:
    """The ``n`` names of largest spread, leaving out those that move less than
    ``MIN_SHARE`` of the first; ``fallback`` when nothing moves (an empty track)."""
    ranked = sorted(spreads.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] <= 0:
        return list(fallback[:n])
    return [name for name, value in ranked[:n] if value >= MIN_SHARE * ranked[0][1]]


def moving_angles(track: PoseTrack, n: int = 2, spans=None) -> list[str]:
    """The ``n`` joint angles (``landmarks.JOINT_ANGLES``) that bend most, largest first.

    ``spans``: the reps' (start_s, end_s), to rank by the bend within reps (``span_spread``).
    Angles with a mostly hidden point are left out; when nothing is left, the knee and hip
    (a squat's joints) are returned.
    """
    points = track.image_points()
    spreads = {}
    for name, triple in JOINT_ANGLES.items():
        if seen_points(track, tuple(INDEX[p] for p in triple)).all():
            spreads[name] = span_spread(joint_angle(points, name, dims=2), track.times, spans)
    ranked = _ranked(spreads, n, ("left_knee", "left_hip"))
    # another joint is shown from the first one's side when it works there too ("right_elbow,
    # left_shoulder" read as two people); both sides of one joint (a jumping jack's
    # shoulders, two elbows) stay a pair
    side = ranked[0].split("_", 1)[0]
    shown: list[str] = []
    for name in ranked:
        joint = name.split("_", 1)[1]
        same_side = f"{side}_{joint}"
        works_there = spreads.get(same_side, 0.0) >= MIN_SHARE * spreads.get(ranked[0], 0.0) > 0
        if works_there and not any(s.split("_", 1)[1] == joint for s in shown):
            name = same_side
        if name not in shown:
            shown.append(name)
    return shown


def moving_landmarks(
    track: PoseTrack, n: int = 3, axis: str = "y", spans=None, side: str | None = None
) -> list[str]:
    """The ``n`` body landmarks (``BODY_LANDMARKS``) that travel most along ``axis``
    (within the reps' ``spans`` when given, as ``moving_angles``), all of one side.

    Parts (shoulder, knee, ...) are ranked by the side on which they travel more, then all
    are shown from the side on which the chosen parts travel more in sum (a part not seen
    on that side comes from the other). A squat's chart shows a hip, a knee and a shoulder
    rather than both hips and both knees; a pull-up's opened on "left_knee, right_ankle,
    right_shoulder", which read as parts of different people (review O). ``side``: show
    that side instead (the angle chart's, so the two charts show one side).
    """
    coordinate = "xy".index(axis)
    points = track.image_points()
    seen = seen_points(track, tuple(INDEX[name] for name in BODY_LANDMARKS))
    travel: dict[str, dict[str, float]] = {}  # part -> side -> spread
    for name, ok in zip(BODY_LANDMARKS, seen):
        if ok:
            name_side, part = name.split("_", 1)
            travel.setdefault(part, {})[name_side] = span_spread(
                points[:, INDEX[name], coordinate], track.times, spans
            )
    parts = _ranked(
        {part: max(sides.values()) for part, sides in travel.items()}, n, ("shoulder", "hip", "knee")
    )
    if side not in ("left", "right"):
        side = max(
            ("left", "right"), key=lambda s: (sum(travel.get(p, {}).get(s, 0.0) for p in parts), s == "left")
        )
    other = "right" if side == "left" else "left"
    # a part not seen on that side comes from the other (a fallback part, seen nowhere, stays)
    return [f"{side if side in (travel.get(part) or {side: 0.0}) else other}_{part}" for part in parts]


def chart_parts(track: PoseTrack, spans=None, squat: bool = False) -> dict[str, list[str]]:
    """What the dashboard's charts open on: ``{"angles": [...], "landmarks": [...]}``.

    For squats, the knee and hip angles and the shoulder, hip and knee heights of the side
    the camera sees better: a squat's arms often swing more than its legs bend (arms raised
    forward for balance), yet the legs are what a coach reviews. Otherwise the parts that
    move most within the reps (``moving_angles``, ``moving_landmarks``), the landmarks on
    the side of the joint that bends most.
    """
    if squat:
        side = better_seen_side(track)
        return {
            "angles": [f"{side}_knee", f"{side}_hip"],
            "landmarks": [f"{side}_shoulder", f"{side}_hip", f"{side}_knee"],
        }
    angles = moving_angles(track, 2, spans)
    side = angles[0].split("_", 1)[0]  # the landmarks of the side whose joint bends most
    return {"angles": angles, "landmarks": moving_landmarks(track, 3, "y", spans, side=side)}


def joint_bends(track: PoseTrack, spans=None) -> dict[str, float]:
    """How far each of ``JOINTS`` bends within a rep (``span_spread``, degrees, image plane),
    the larger of its two sides; a joint seen on neither side (``seen_points``) is left out.
    ``spans``: the reps (``rep_spans``: a ``CountResult``, its reps, or (start_s, end_s) pairs).

    The larger side, not the one the camera sees better: a one-arm curl works one elbow, and a
    side view hides one knee (hidden, it is left out). Left out, not 0: a push-up filmed from
    the front hides the legs, which says nothing about whether they move.
    """
    points = track.image_points()
    bends: dict[str, float] = {}
    for joint in JOINTS:
        for side in ("left", "right"):
            name = f"{side}_{joint}"
            if seen_points(track, tuple(INDEX[p] for p in JOINT_ANGLES[name])).all():
                bend = span_spread(joint_angle(points, name, dims=2), track.times, spans)
                bends[joint] = max(bends.get(joint, 0.0), bend)
    return bends


def legs_work(bends: dict[str, float]) -> bool | None:
    """True when the knees or hips bend from ``LEGS_WORK_FROM`` (a squat, a lunge), False when
    every one seen bends less than ``STILL_BELOW`` (a push-up, a curl); None when unsure: the
    legs not seen, or a bend in between."""
    legs = [bends[joint] for joint in LEG_JOINTS if joint in bends]
    if not legs:
        return None
    if max(legs) >= LEGS_WORK_FROM:
        return True
    return False if max(legs) < STILL_BELOW else None


def _joint_list(joints: list[str]) -> str:
    """["knee", "hip"] -> "the knees and hips"."""
    plural = [f"{joint}s" for joint in joints]
    head = ", ".join(plural[:-1])
    return "the " + (f"{head} and {plural[-1]}" if head else plural[-1])


def movement_words(bends: dict[str, float]) -> str:
    """What a clip's body does, for a clip whose legs are judged (``legs_work``): "bends the
    knees and hips", or "keeps the legs still and bends the elbows and shoulders"."""
    ranked = [j for j, bend in sorted(bends.items(), key=lambda kv: -kv[1]) if bend >= STILL_BELOW]
    if legs_work(bends):
        return "bends " + _joint_list([j for j in ranked if j in LEG_JOINTS])
    arms = [j for j in ranked if j not in LEG_JOINTS]
    return "keeps the legs still and " + ("bends " + _joint_list(arms) if arms else "hardly bends a joint")


def different_movements_words(
    bends_a: dict[str, float], bends_b: dict[str, float], names: tuple[str, str] = ("A", "B")
) -> str | None:
    """A hint when two clips (``joint_bends``) are evidently different exercises, else None.

    Evidently: one clip's legs work and the other's are still (``legs_work``), read from the
    poses, not from file names. A squat beside a push-up had its rep timings and knee curve
    compared with the push-up's as if alike; two squats filmed from the side and the front, or
    two clips whose legs are not both judged, get no hint.
    """
    legs = (legs_work(bends_a), legs_work(bends_b))
    if None in legs or legs[0] == legs[1]:
        return None
    return (
        f"{names[0]} {movement_words(bends_a)}; {names[1]} {movement_words(bends_b)}: these look like "
        "different exercises. The rep counts still compare; the angle curves do not."
    )
