"""Alternating exercises: a rep on each side is two reps, not one cycle.

The shared data hold no alternating exercise (no lunge clip; RepCount's half has none),
so the whole-pipeline check below runs on a stick figure built from segment lengths and
joint angles: its rep count is known by construction, not measured. The real data check
the other side: jumping jacks (both arms opening outwards, opposite in x) and every
RepCount video keep all their components.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis.cache import TrackCache
from analysis.counting import count_reps
from analysis.counting.auto import auto_signal
from analysis.counting.signals import (
    BODY_POINTS,
    alternating_components,
    clean_pose,
    principal_signals,
    side_on,
)
from analysis.landmarks import INDEX
from analysis.pose import extract_pose
from analysis.track import PoseTrack

THIGH = SHIN = 0.2  # picture heights
TORSO = 0.25


def _leg(hip, thigh_deg, knee_deg, depth_only):
    """Knee, ankle, heel, toe of a leg whose thigh leans ``thigh_deg`` forward of vertical."""
    a, s = np.radians(thigh_deg), np.radians(thigh_deg - knee_deg)
    squeeze = 0.15 if depth_only else 1.0  # seen from the front, forward is mostly depth
    knee = hip + THIGH * np.array([squeeze * np.sin(a), np.cos(a)])
    ankle = knee + SHIN * np.array([squeeze * np.sin(s), np.cos(s)])
    return knee, ankle, ankle + [-0.03 * squeeze, 0.02], ankle + [0.06 * squeeze, 0.03]


def _lunger(depth: float, lead: int, view: str) -> np.ndarray:
    """(33, 3) landmarks of a lunge ``depth`` (0 standing .. 1 bottom) on leg ``lead``."""
    front = view == "front"
    angles = {lead: (80 * depth, 90 * depth), 1 - lead: (-15 * depth, 75 * depth)}
    a, k = np.radians(angles[lead])
    hip_y = 0.5 + 0.4 - THIGH * np.cos(a) - SHIN * np.cos(a - k)  # the lead foot stays down
    hip_x = 0.5 + 0.08 * depth
    points = np.zeros((33, 3))
    for side, name in ((0, "left"), (1, "right")):
        hip = np.array([hip_x + (0.06 if side else -0.06) * front, hip_y])
        joints = _leg(hip, *angles[side], depth_only=front)
        points[INDEX[f"{name}_hip"], :2] = hip
        for part, where in zip(("knee", "ankle", "heel", "foot_index"), joints):
            points[INDEX[f"{name}_{part}"], :2] = where
        shoulder = np.array([hip_x + (0.1 if side else -0.1) * front + 0.02 * depth, hip_y - TORSO])
        for part, drop in (
            ("shoulder", 0),
            ("elbow", 0.12),
            ("wrist", 0.24),
            ("pinky", 0.26),
            ("index", 0.26),
        ):
            points[INDEX[f"{name}_{part}"], :2] = shoulder + [0, drop]
        points[INDEX[f"{name}_thumb"], :2] = shoulder + [0, 0.26]
    head = np.array([hip_x + 0.02 * depth, hip_y - TORSO - 0.08])
    for i in range(11):  # face points
        points[i, :2] = head + [0.01 * (i % 3), 0.005 * (i // 3)]
    return points


def _lunges(view: str, n: int, rep_s: float, rest_s: float, alternate: bool = True, fps: float = 30.0):
    """A track of ``n`` lunges with 1 s of standing before and after, and each one's bottom."""
    frames, bottoms = [], []
    frames += [_lunger(0, 0, view)] * int(fps)
    for rep in range(n):
        lead = rep % 2 if alternate else 0
        steps = int(rep_s * fps)
        frames += [_lunger(np.sin(np.pi * i / steps) ** 2, lead, view) for i in range(steps)]
        bottoms.append((len(frames) - steps / 2) / fps)
        frames += [_lunger(0, lead, view)] * int(rest_s * fps)
    frames += [_lunger(0, 0, view)] * int(fps)
    points = np.array(frames)
    points[..., :2] += np.random.default_rng(0).normal(0, 0.002, points[..., :2].shape)
    visibility = np.full(points.shape[:2], 0.95)
    if view == "side":  # the far side of a body seen side-on is a guess
        visibility[
            :, [INDEX[f"right_{p}"] for p in ("shoulder", "elbow", "wrist", "knee", "ankle", "heel")]
        ] = 0.6
    track = PoseTrack(
        times=np.arange(len(points)) / fps, landmarks=points, visibility=visibility,
        world=np.full(points.shape, np.nan), width=1280, height=720, fps=fps,
    )  # fmt: skip
    return track, bottoms


@pytest.mark.parametrize("view", ["side", "front"])
@pytest.mark.parametrize(("n", "rep_s", "rest_s"), [(4, 3.5, 1.5), (6, 2.4, 0.6), (11, 1.5, 0.0)])
def test_alternating_lunges_count_each_lunge(view, n, rep_s, rest_s):
    track, bottoms = _lunges(view, n, rep_s, rest_s)
    result = count_reps(track)
    assert result.count == n
    assert np.allclose([r.bottom_s for r in result.reps], bottoms, atol=0.5)
    assert count_reps(_lunges(view, n, rep_s, rest_s, alternate=False)[0]).count == n


def test_seen_from_the_side_the_feet_taking_turns_are_one_cycle_per_two_lunges():
    """The rule is what counts each lunge: without it the side view's largest motion, one
    foot forward while the other goes back, counts pairs (without it, the three side views
    of alternating lunges above count 2, 3 and 5 for 4, 6 and 11)."""
    track, _ = _lunges("side", 11, 2.4, 0.6)
    signal = auto_signal(track, skip_alternating=False)
    assert signal.details["explained_variance"][0] > 0.5  # the feet's turns are most of the movement
    assert count_reps(track, signal=signal).count <= 6
    kept = auto_signal(track)
    assert 0 in kept.details["alternating"]
    assert 0 not in kept.details["components"]
    # the same leg every time: one foot forward and one back too, but the same one rep
    # later, so that component is the reps and keeps its vote
    same_leg = auto_signal(_lunges("side", 11, 2.4, 0.6, alternate=False)[0])
    assert same_leg.details["alternating"] == []


def _loading(moves: dict[str, tuple[float, float]]) -> np.ndarray:
    axes = np.zeros((1, len(BODY_POINTS), 2))
    for name, move in moves.items():
        axes[0, BODY_POINTS.index(INDEX[name])] = move
    return axes


def test_which_loadings_take_turns():
    feet_in_turn = _loading(
        {"left_ankle": (1, 0), "right_ankle": (-1, 0), "left_knee": (0.5, 0), "right_knee": (-0.5, 0)}
    )
    assert alternating_components(feet_in_turn, seen_from_side=True).tolist() == [True]
    # the same in a front view is both feet stepping outwards together (a jumping jack)
    assert alternating_components(feet_in_turn, seen_from_side=False).tolist() == [False]
    wrists_in_turn = _loading({"left_wrist": (0.2, -1), "right_wrist": (-0.2, 1)})  # alternating curls
    assert alternating_components(wrists_in_turn, seen_from_side=False).tolist() == [True]
    arms_open = _loading({"left_wrist": (1, -1), "right_wrist": (-1, -1)})  # jumping jack from the front
    assert alternating_components(arms_open, seen_from_side=False).tolist() == [False]
    squat = _loading(
        {"left_knee": (0, -1), "right_knee": (0, -1), "left_ankle": (0, -1), "right_ankle": (0, -1)}
    )
    assert alternating_components(squat, seen_from_side=True).tolist() == [False]
    one_arm = _loading({"right_wrist": (0.3, -1), "right_elbow": (0.1, -0.3)})  # a one-arm curl
    assert alternating_components(one_arm, seen_from_side=True).tolist() == [False]


def test_real_jumping_jacks_and_repcount_keep_every_component(shared_data):
    """Nothing in the shared RepCount half alternates: every component keeps its vote, and
    the jumping jacks (arms opening outwards, opposite in x) are seen as what they are."""
    with open(shared_data / "repcount" / "annotations.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    jacks = [r["name"] for r in rows if r["exercise"] == "jump_jack"]
    assert len(jacks) >= 5
    for row in rows:
        track = PoseTrack.from_array(np.load(shared_data / "repcount" / "poses" / f"{row['name']}.npy"))
        pose = clean_pose(track)
        axes = principal_signals(pose, 4)[2]
        assert not alternating_components(axes, side_on(pose)).any(), row["name"]
    front_jacks = PoseTrack.from_array(np.load(shared_data / "repcount" / "poses" / f"{jacks[0]}.npy"))
    assert not side_on(clean_pose(front_jacks))


def test_a_real_front_jumping_jack_clip_keeps_every_component(shared_data, pose_cache_dir):
    clip = shared_data / "clips" / "jumpingjack_front_afrl_1.mp4"
    track = extract_pose(clip, workers=1, cache=TrackCache(pose_cache_dir))
    signal = auto_signal(track)
    assert signal.details["alternating"] == []
    assert not side_on(clean_pose(track))
