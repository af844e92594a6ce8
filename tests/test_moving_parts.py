"""What the charts open on: the joints that work in each real clip (cached MediaPipe tracks)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analysis.cache import TrackCache
from analysis.counting import count_reps
from analysis.landmarks import INDEX
from analysis.moving_parts import (
    better_seen_side,
    chart_parts,
    different_movements_words,
    joint_bends,
    legs_work,
    moving_angles,
    on_seen_side,
    span_spread,
)
from analysis.pose import extract_pose

pytestmark = pytest.mark.slow  # a cold pose cache runs MediaPipe on each clip once

# clip -> the joint whose bend does the work (clips.tsv names the exercise)
WORKING_JOINT = {
    "curl_side_formfit_1.mp4": "elbow",
    "pushup_side_tayyab_2.mp4": "elbow",
    "pushup_diagonal_dollarpy_2.mp4": "elbow",
    "pullup_front_joelo_2.mp4": "elbow",
}


def _track(shared_data, pose_cache_dir, name):
    return extract_pose(shared_data / "clips" / name, workers=1, cache=TrackCache(pose_cache_dir))


@pytest.mark.parametrize("name", sorted(WORKING_JOINT))
def test_the_joint_that_works_bends_most_within_the_reps(shared_data, pose_cache_dir, name):
    track = _track(shared_data, pose_cache_dir, name)
    spans = [(r.start_s, r.end_s) for r in count_reps(track).reps]
    assert spans
    shown = chart_parts(track, spans)["angles"]
    assert shown == moving_angles(track, 2, spans)
    assert any(a.endswith(WORKING_JOINT[name]) for a in shown), shown  # a pull-up's shoulder may lead
    assert not any(a.endswith(("knee", "hip")) for a in shown), shown  # the legs barely move


def test_a_squat_opens_on_the_legs_of_the_side_the_camera_sees(shared_data, pose_cache_dir):
    """In the side-view sample the lifter's arms hold the bar and the far leg is hidden."""
    track = _track(shared_data, pose_cache_dir, "squat_side_rohanx01_1.mp4")
    side = better_seen_side(track)
    other = "right" if side == "left" else "left"
    vis = np.nanmean(track.visibility, axis=0)
    near = np.mean([vis[INDEX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle")])
    far = np.mean([vis[INDEX[f"{other}_{p}"]] for p in ("hip", "knee", "ankle")])
    assert near > far
    parts = chart_parts(track, squat=True)
    assert parts["angles"] == [f"{side}_knee", f"{side}_hip"]
    assert parts["landmarks"] == [f"{side}_shoulder", f"{side}_hip", f"{side}_knee"]


def test_clips_filmed_from_opposite_sides_are_compared_on_their_seen_sides(shared_data, pose_cache_dir):
    """Side by side compared one angle name on both clips, so a lifter filmed from the right
    beside one filmed from the left had the hidden far knee drawn (review X)."""
    from_right = _track(shared_data, pose_cache_dir, "squat_side_rohanx01_1.mp4")
    from_left = _track(shared_data, pose_cache_dir, "squat_side_wissem_1.mp4")
    assert {better_seen_side(from_right), better_seen_side(from_left)} == {"left", "right"}
    for track in (from_right, from_left):
        seen = better_seen_side(track)
        assert on_seen_side(track, "right_knee") == on_seen_side(track, "left_knee") == f"{seen}_knee"
        assert on_seen_side(track, "left_elbow") == f"{seen}_elbow"
        assert on_seen_side(track, "trunk_lean") == "trunk_lean"


def test_a_joint_is_ranked_by_its_bend_within_reps_not_between_them():
    """Walking into view (a big move before the set) must not outrank the reps' own bend."""
    times = np.arange(0, 10, 0.1)
    walking = np.where(times < 2, 100.0 * times / 2, 100.0)  # one big change, then still
    working = 100.0 + 30.0 * np.sin(2 * np.pi * times / 2)  # 60 degrees every rep
    spans = [(s, s + 2.0) for s in (2.0, 4.0, 6.0, 8.0)]
    assert span_spread(walking, times, spans) == 0.0
    assert span_spread(working, times, spans) == pytest.approx(60.0, abs=1.0)
    assert span_spread(walking, times, None) > span_spread(working, times, None)  # whole clip: the walk wins


@pytest.mark.parametrize(
    "name",
    ["pullup_front_joelo_2.mp4", "jumpingjack_front_afrl_1.mp4", "pushup_front_dollarpy_3.mp4",
     "squat_diagonal_acrostm_1.mp4"],
)  # fmt: skip
def test_the_charts_open_on_one_side_of_the_body(shared_data, pose_cache_dir, name):
    """The pull-up's landmark chart opened on left_knee, right_ankle and right_shoulder, and
    the diagonal squat's angles on the left arm beside the right arm's landmarks: parts of
    two people, to a coach (review O). Both charts now show the side whose joint bends most."""
    track = _track(shared_data, pose_cache_dir, name)
    parts = chart_parts(track, [(r.start_s, r.end_s) for r in count_reps(track).reps])
    side = parts["angles"][0].split("_", 1)[0]
    assert len(parts["landmarks"]) >= 2
    assert all(landmark.startswith(f"{side}_") for landmark in parts["landmarks"]), parts
    kinds = [angle.split("_", 1)[1] for angle in parts["angles"]]
    # a second joint is of the same side, unless it is the first joint's other side (a pair)
    assert all(a.startswith(f"{side}_") or kinds.count(a.split("_", 1)[1]) == 2 for a in parts["angles"]), (
        parts
    )


def _bends(shared_data, pose_cache_dir, name):
    """``joint_bends`` within the reps Side by side shows by default (the automatic count)."""
    track = _track(shared_data, pose_cache_dir, name)
    return joint_bends(track, [(r.start_s, r.end_s) for r in count_reps(track).reps])


def test_legs_are_judged_only_when_seen_and_clearly_working_or_still():
    assert legs_work({"knee": 90.0, "elbow": 120.0}) is True  # a squat whose arms swing
    assert legs_work({"knee": 10.0, "hip": 12.0, "elbow": 100.0}) is False  # a push-up
    assert legs_work({"knee": 35.0, "hip": 12.0}) is None  # in between: nothing said
    assert legs_work({"elbow": 100.0}) is None  # legs hidden: not "still"
    assert different_movements_words({"knee": 35.0}, {"knee": 10.0}) is None


def test_a_squat_beside_a_push_up_is_said_to_be_another_exercise(shared_data, pose_cache_dir):
    """A squat beside a push-up had its rep timings and knee curve compared as if alike, unsaid."""
    squat = _bends(shared_data, pose_cache_dir, "squat_side_rohanx01_1.mp4")
    push_up = _bends(shared_data, pose_cache_dir, "pushup_side_divyansh_1.mp4")
    words = different_movements_words(squat, push_up)
    assert words is not None and words.startswith("A bends the ") and "knees" in words.split(";")[0]
    assert "; B keeps the legs still and bends the elbows" in words and "different exercises" in words
    assert different_movements_words(push_up, squat).startswith("A keeps the legs still and bends the elbows")


def test_the_hint_takes_the_reps_as_counted(shared_data, pose_cache_dir):
    """Side by side's hint from a script: ``joint_bends(track, count_reps(track).reps)`` failed
    with "cannot unpack non-iterable Rep object" (only the pages made (start, end) pairs)."""
    squat = _track(shared_data, pose_cache_dir, "squat_side_rohanx01_1.mp4")
    push_up = _track(shared_data, pose_cache_dir, "pushup_side_divyansh_1.mp4")
    counted = [count_reps(track) for track in (squat, push_up)]
    as_pairs = [
        joint_bends(t, [(r.start_s, r.end_s) for r in c.reps]) for t, c in zip((squat, push_up), counted)
    ]
    for reps in (
        [c.reps for c in counted],
        counted,
        [[{"start_s": r.start_s, "end_s": r.end_s} for r in c.reps] for c in counted],
    ):
        assert [joint_bends(t, r) for t, r in zip((squat, push_up), reps)] == as_pairs
    assert "different exercises" in different_movements_words(*as_pairs)


def test_a_squat_filmed_from_the_side_and_from_the_front_is_one_exercise(shared_data, pose_cache_dir):
    """Seen from the front, a squat's knees bend less in the picture: still far from still."""
    side = _bends(shared_data, pose_cache_dir, "squat_side_wissem_1.mp4")
    front = _bends(shared_data, pose_cache_dir, "squat_front_rjsong_1.mp4")
    assert legs_work(side) is legs_work(front) is True
    assert different_movements_words(side, front) is None


def test_legs_hidden_by_the_camera_are_not_called_still(shared_data, pose_cache_dir):
    """A push-up filmed from the front hides the knees: nothing is said beside a squat."""
    push_up = _bends(shared_data, pose_cache_dir, "pushup_front_dollarpy_3.mp4")
    assert "knee" not in push_up and legs_work(push_up) is None
    squat = _bends(shared_data, pose_cache_dir, "squat_side_rohanx01_1.mp4")
    assert different_movements_words(squat, push_up) is None


def test_no_two_clips_of_one_exercise_are_called_different(shared_data, pose_cache_dir, clips_table):
    """Every pair of the shared clips of one exercise (clips.tsv), whatever their camera angles."""
    by_exercise: dict[str, list[str]] = {}
    for row in clips_table:
        by_exercise.setdefault(row["exercise"].split(" (")[0], []).append(row["file"])
    bends = {row["file"]: _bends(shared_data, pose_cache_dir, row["file"]) for row in clips_table}
    pairs = [pair for names in by_exercise.values() for pair in itertools.combinations(names, 2)]
    assert len(pairs) >= 50  # 9 squats, 7 push-ups, 2 curls
    called_different = [pair for pair in pairs if different_movements_words(bends[pair[0]], bends[pair[1]])]
    assert called_different == []
