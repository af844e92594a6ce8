"""Rep boundaries hug the movement: a rep starts when the descent begins and ends back at rest.

The form model reads down/up durations between ``start_s``, ``bottom_s`` and ``end_s``,
so a rep that starts at the end of the previous one, or swallows a standing pause, gives
it a wrong tempo. Checked on real tracks: MediaPipe clips (cached) and RepCount poses.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from analysis.cache import TrackCache
from analysis.counting import count_reps
from analysis.counting.peaks import remove_drift
from analysis.counting.signals import smooth
from analysis.pose import extract_pose
from analysis.track import load_track

# The sample squat's notes in clips.tsv: "long standing pauses (0-9s, 11.5-15.5s)".
SAMPLE_PAUSES_S = ((0.0, 9.0), (11.5, 15.5))

CLIPS = [
    "squat_side_rohanx01_1.mp4",  # long standing pauses before each rep
    "squat_side_tommyhillphyga_1.mp4",  # a bottle pick-up after the set
    "squat_side_formfit_3.mp4",  # the pose is lost at the bottom of each rep
    "pushup_side_tayyab_2.mp4",
    "pullup_front_joelo_2.mp4",
    "curl_side_formfit_1.mp4",
]
REPCOUNT = ["stu9_64", "stu3_25", "stu5_16", "stu5_32", "test2021", "stu6_63", "stu4_19", "stu8_11"]


def movement_problems(result, window_s: float = 1.0) -> list[str]:
    """What is wrong with each rep's boundaries on the signal the counter saw (empty = fine).

    For every rep, on the signal the counter saw (lightly smoothed, level shifts removed
    when the counter removed them) oriented so the turning point is high: the signal at ``start_s`` is near the rest level before the rep (within 25% of
    the excursion), it has left rest within ``window_s`` after ``start_s`` (moved 25% of
    the excursion), the way down holds no still stretch of ``window_s`` (a standing pause
    inside the rep; judged on stretches where the person is seen), and the same mirrored
    for ``end_s``.
    """
    t = result.times
    y = smooth(result.signal, t, 0.1)
    if result.params.get("detrend_periods"):  # the counter saw the signal without its level shifts
        y = remove_drift(y, t, result.params["detrend_periods"] * result.diagnostics["period_s"])
    y = result.diagnostics["polarity"] * y
    w = int(round(window_s / np.median(np.diff(t))))
    problems = []
    for i, rep in enumerate(result.reps):
        s, b, e = (int(np.searchsorted(t, v)) for v in (rep.start_s, rep.bottom_s, rep.end_s))
        before = 0 if i == 0 else int(np.searchsorted(t, result.reps[i - 1].bottom_s))
        after = (
            len(t) - 1 if i == len(result.reps) - 1 else int(np.searchsorted(t, result.reps[i + 1].bottom_s))
        )
        rest_in = np.nanmin(y[before : b + 1])
        rest_out = np.nanmin(y[b : after + 1])
        turn = np.nanpercentile(y[s : e + 1], 75)  # robust to a few wild frames at the bottom
        exc_in, exc_out = turn - rest_in, turn - rest_out
        if y[s] - rest_in > 0.25 * exc_in:
            problems.append(f"rep {i + 1} starts away from rest")
        if np.nanmax(y[s : s + w + 1]) - y[s] < 0.25 * exc_in:
            problems.append(f"rep {i + 1} has not left rest {window_s} s after its start")
        if y[e] - rest_out > 0.25 * exc_out:
            problems.append(f"rep {i + 1} ends away from rest")
        if np.nanmax(y[max(e - w, s) : e + 1]) - y[e] < 0.25 * exc_out:
            problems.append(f"rep {i + 1} was already at rest {window_s} s before its end")
        down = y[s : b + 1]
        for k in range(0, len(down) - w):
            part = down[k : k + w]
            # judged where the person was seen: a second that is mostly a dropout (the pose
            # lost at the bottom of formfit_3) with a frame or two either side is not a pause
            if np.isfinite(part).mean() >= 0.8 and np.nanmax(part) - np.nanmin(part) < 0.05 * exc_in:
                problems.append(f"rep {i + 1} holds still for {window_s} s on the way down")
                break
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("name", CLIPS)
def test_rep_boundaries_hug_the_movement_on_real_clips(shared_data, pose_cache_dir, name):
    track = extract_pose(shared_data / "clips" / name, workers=1, cache=TrackCache(pose_cache_dir))
    result = count_reps(track)
    assert result.count > 0
    assert movement_problems(result) == []


@pytest.mark.slow
def test_standing_pauses_are_not_part_of_the_sample_squats(sample_squat_track):
    result = count_reps(sample_squat_track)
    assert result.count == 2
    for rep in result.reps:
        assert rep.start_s < rep.bottom_s < rep.end_s
        for pause_start, pause_end in SAMPLE_PAUSES_S:
            # a rep may touch a pause's edge (the lifter starts moving), never cover it
            overlap = min(rep.end_s, pause_end) - max(rep.start_s, pause_start)
            assert overlap < 1.0, f"rep {rep} covers the standing pause {pause_start}-{pause_end} s"
    # the tempo the form model reads: the way down takes about two seconds, not eight
    assert result.reps[0].bottom_s - result.reps[0].start_s < 3.0


@pytest.mark.parametrize("name", REPCOUNT)
def test_rep_boundaries_hug_the_movement_on_repcount(shared_data, name):
    track = load_track(shared_data / "repcount" / "poses" / f"{name}.npy", fps=30)
    result = count_reps(track)
    assert result.count > 0
    assert movement_problems(result) == []


def test_rep_boundaries_follow_the_annotated_reps_on_repcount(shared_data):
    """Matched reps' start and end lie within half a typical rep of the annotated ones."""
    with open(shared_data / "repcount" / "annotations.csv", newline="") as handle:
        rows = {row["name"]: row for row in csv.DictReader(handle)}
    errors = []
    for name in REPCOUNT:
        bounds = [int(v) / 30 for v in rows[name]["rep_bounds_frames"].split()]
        truth = list(zip(bounds[::2], bounds[1::2]))
        reps = count_reps(load_track(shared_data / "repcount" / "poses" / f"{name}.npy", fps=30)).reps
        typical = float(np.median([end - start for start, end in truth]))
        for start, end in truth:
            inside = [r for r in reps if start <= r.bottom_s <= end]
            if inside:
                rep = inside[0]
                errors.append((abs(rep.start_s - start) + abs(rep.end_s - end)) / 2 / typical)
    assert len(errors) >= 0.8 * sum(int(rows[n]["count"]) for n in REPCOUNT)
    assert float(np.median(errors)) < 0.25
