"""No reps where there are none, one where there is one: the body gate on real tracks.

Still stretches and single reps are cut from the real clips (cached MediaPipe tracks)
at times taken from ``clips.tsv``: its notes for the pauses, its hand-marked bottoms
for the reps.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.cache import TrackCache
from analysis.counting import Rep, count_reps
from analysis.counting.gate import MIN_EXCURSION, BodyMotion, gate_reps
from analysis.pose import extract_pose

pytestmark = pytest.mark.slow  # a cold pose cache runs MediaPipe on each clip once

# (clip, start s, end s): nobody exercises in these stretches (clips.tsv notes)
STILL = [
    ("squat_side_rohanx01_1.mp4", 0.0, 8.0),  # stands, then walks the bar out of the rack
    ("squat_side_rohanx01_1.mp4", 11.8, 15.0),  # standing pause between the two squats
    ("pullup_front_joelo_2.mp4", 16.3, 18.9),  # hold at the top; knees tuck from 18.4 s: no rep
]
# clips whose every rep, cut out alone, must count as one (squats side and front, push-ups, a curl)
SINGLE = [
    "squat_side_rohanx01_1.mp4",
    "squat_side_wissem_1.mp4",
    "squat_front_rjsong_1.mp4",
    "pushup_side_divyansh_1.mp4",
    "pushup_diagonal_dollarpy_2.mp4",
    "curl_side_formfit_1.mp4",
    # a rep cut out alone is too short to measure a period: the largest motion's count
    # stands (before, smaller components outvoted it: 0 1 1 1 and 1 1 0)
    "pushup_side_tayyab_2.mp4",
    "jumpingjack_front_afrl_1.mp4",
]


@pytest.fixture(scope="module")
def clip_rows(clips_table):
    return {row["file"]: row for row in clips_table}


def _track(shared_data, pose_cache_dir, name):
    return extract_pose(shared_data / "clips" / name, workers=1, cache=TrackCache(pose_cache_dir))


def _bottoms(row) -> list[float]:
    return [float(v) for v in row["rep_bottom_times_s"].split(";") if v]


def _single_rep_windows(bottoms: list[float], duration: float) -> list[tuple[float, float, float]]:
    """(start, bottom, end) windows holding one marked rep: half way to each neighbour
    (the rest between two reps); the first and last reps get the same half width."""
    out = []
    for i, b in enumerate(bottoms):
        half_before = (b - bottoms[i - 1]) / 2 if i > 0 else (bottoms[1] - b) / 2
        half_after = (bottoms[i + 1] - b) / 2 if i + 1 < len(bottoms) else (b - bottoms[i - 1]) / 2
        out.append((max(0.0, b - half_before), b, min(duration, b + half_after)))
    return out


@pytest.mark.parametrize("name,start,end", STILL)
def test_still_stretches_of_real_clips_count_no_reps(shared_data, pose_cache_dir, name, start, end):
    cut = _track(shared_data, pose_cache_dir, name).slice_time(start, end)
    result = count_reps(cut)
    assert result.count == 0, result.reps
    assert result.reps == []
    # the body gate is what says so: whenever the counter alone finds a "rep" in the jitter
    # (on these pixels it does; with a plain OpenCV loop's frames it sometimes finds
    # nothing), the gate reports dropping one
    if count_reps(cut, gate=False).count:
        assert result.diagnostics.get("gate", {}).get("dropped")


@pytest.mark.parametrize("name", SINGLE)
def test_each_rep_cut_out_alone_counts_one(shared_data, pose_cache_dir, clip_rows, name):
    track = _track(shared_data, pose_cache_dir, name)
    for lo, marked, hi in _single_rep_windows(_bottoms(clip_rows[name]), float(track.times[-1])):
        result = count_reps(track.slice_time(lo, hi))
        assert result.count == 1, f"{name} {lo:.1f}-{hi:.1f} s: {result.reps}"
        rep = result.reps[0]
        assert rep.start_s < marked < rep.end_s  # the rep found is the marked one


def test_gate_keeps_the_squats_and_drops_a_rep_placed_in_a_standing_pause(sample_squat_track):
    motion = BodyMotion.from_track(sample_squat_track)
    squats = [Rep(8.5, 10.5, 11.6), Rep(15.1, 17.3, 18.4)]  # around the marked bottoms (clips.tsv)
    pause = Rep(12.0, 13.0, 14.5)  # 11.5-15.5 s: standing still
    kept, info = gate_reps(motion, [squats[0], pause, squats[1]])
    assert kept == squats
    body = info["body_excursions"]
    assert body[1] < MIN_EXCURSION < min(body[0], body[2])
    assert info["dropped"] == [pause.to_dict()]
    # a lone rep must also bend a joint well: the squat does, the pause does not
    assert gate_reps(motion, [squats[0]])[0] == [squats[0]]
    assert gate_reps(motion, [pause])[0] == []


def test_the_full_sample_still_counts_its_two_squats_with_the_gate_reported(sample_squat_track):
    result = count_reps(sample_squat_track)
    assert result.count == 2
    gate = result.diagnostics["gate"]
    assert gate["dropped"] == []
    assert min(gate["body_excursions"]) > 2 * MIN_EXCURSION


def test_a_walk_out_uploaded_alone_counts_no_reps_single_pass_or_chunked(tmp_path):
    """The sample's 1-7 s (he stands, then steps back with the bar) as its own clip.

    Its two steps move the body 0.2-0.3 torso lengths but bend no joint by 45 degrees; once
    counted 0 after a single pass and 2 after two time chunks, whose landmarks differ only
    after the boundary (a pair of reps must now bend a joint like a lone one). It also
    counted 1 on another processor, and on OpenCV-made frames: the far elbow, hidden, was
    read as bending 55 degrees (joints with a hidden point are no longer read), and angles
    were measured in shares of width and height, not in the picture.
    """
    from analysis.pose import usable_cores
    from tests.clipmaker import reencode
    from tests.conftest import SAMPLE_VIDEOS

    clip = tmp_path / "walk_out.mp4"
    reencode(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, seconds=6.0, start_s=1.0)
    for workers in (1, 2) if usable_cores() >= 2 else (1,):
        track = extract_pose(clip, workers=workers, cache=False)
        assert track.meta["workers"] == workers
        result = count_reps(track)
        assert result.count == 0, (workers, result.reps)


def test_a_pair_of_shallow_steps_is_dropped_and_a_pair_of_squats_kept(sample_squat_track):
    motion = BodyMotion.from_track(sample_squat_track)
    squats = [Rep(8.5, 10.5, 11.6), Rep(15.1, 17.3, 18.4)]  # around the marked bottoms (clips.tsv)
    kept, info = gate_reps(motion, squats)
    assert kept == squats and min(info["bends"]) >= 45.0
    steps = [Rep(1.7, 2.1, 2.6), Rep(2.7, 3.0, 3.3)]  # the walk-out: he steps back with the bar
    kept, info = gate_reps(motion, steps)
    assert kept == [] and max(info["bends"]) < 45.0


def test_a_squat_filmed_forward_and_back_counts_its_whole_squats(tmp_path):
    """The webcam test's camera: one squat of the sample (8.5-12.5 s, hand-marked bottom at
    10.5 s) forward, then backward (a fast descent and a slow rise), looped: a bottom every
    3.97 s. Cut like a webcam recording (9-13 s, starting anywhere in the loop), a window
    counts at least its whole squats (bottom 2 s or more inside both ends) and at most its
    bottoms. Two earlier overcounts: minor pose components (an arm, the head: under 10% of
    the movement) repeat faster and outvoted the first component (``auto.DOMINANT_SHARE``);
    and on a clip shorter than two 10 s drift windows a running median bent the first
    component near both ends, its periodicity fell from 0.6 to 0.1 and the minor ones won
    (4-5 counted in four of these 40 windows, and in a real 11 s recording:
    ``period.remove_slow_drift``)."""
    from tests.clipmaker import looped_clip
    from tests.conftest import SAMPLE_VIDEOS

    clip = tmp_path / "loop.mp4"
    looped_clip(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, 8.5, 12.5, seconds=21.0)
    track = extract_pose(clip, workers=1, cache=False)
    assert np.all(np.diff(track.times) > 0)  # the clip maker once gave its first 4 s one time
    fps = 29.97  # the sample's; the loop is its frames 8.5-12.5 s forward, then back
    loop_s, forward_bottom_s = 238 / fps, 10.5 - 8.5
    backward_bottom_s = (120 + 118 - round(forward_bottom_s * fps)) / fps
    bottoms = [b + k * loop_s for k in range(3) for b in (forward_bottom_s, backward_bottom_s)]
    wrong = []
    for length in (9.0, 10.0, 11.0, 12.0, 13.0):
        for start in range(8):
            end = start + length
            count = count_reps(track.slice_time(start, end)).count
            whole = sum(start + 2.0 <= b <= end - 2.0 for b in bottoms)
            inside = sum(start < b < end for b in bottoms)
            if not whole <= count <= inside:
                wrong.append((start, end, count, whole, inside))
    assert wrong == []


def test_a_joint_with_a_hidden_point_is_not_read(sample_squat_track):
    """The sample is filmed from his right: MediaPipe guesses his left elbow and wrist
    (median visibility 0.02), and the guessed elbow swings by 60 degrees. A joint whose
    three points were not all seen counted as seen when fewer than three of them were
    (a rule meant for the whole body), so a standing pause bent a joint "132 degrees" and
    a walk-out step passed as a lone rep on other pixels."""
    from analysis.counting.gate import seen_points
    from analysis.landmarks import INDEX, JOINT_ANGLES

    motion = BodyMotion.from_track(sample_squat_track)
    for name in ("left_elbow", "left_shoulder"):  # both use the hidden left elbow
        assert not seen_points(sample_squat_track, tuple(INDEX[n] for n in JOINT_ANGLES[name])).all()
        assert name not in motion.joints
    assert {"right_elbow", "right_knee", "right_hip"} <= set(motion.joints)
    assert motion.angles.shape == (len(sample_squat_track), len(motion.joints))
    pause = [Rep(12.0, 13.2, 14.5)]  # standing between the two squats (clips.tsv notes)
    _, info = gate_reps(motion, pause)
    assert info["bends"][0] < 15.0, info["bends"]


def test_counts_and_angles_do_not_depend_on_the_frame_shape(sample_squat_track):
    """The same picture with black bars either side: MediaPipe's x becomes a smaller share
    of a wider frame while nothing in the picture changes. Angles and body moves were
    measured in shares of the width and height, so a 16:9 clip's knee read 60 degrees
    where it bent 45, and the automatic count depended on the frame's shape."""
    from dataclasses import replace

    import numpy as np

    from analysis.counting.signals import mean_angle

    track = sample_squat_track
    pad = track.width // 2
    wide = np.array(track.landmarks, dtype=np.float64)
    wide[..., 0] = (wide[..., 0] * track.width + pad) / (track.width + 2 * pad)
    padded = replace(track, landmarks=wide, width=track.width + 2 * pad)
    knees = ("left_knee", "right_knee")
    assert np.allclose(mean_angle(padded, knees), mean_angle(track, knees), atol=1e-3, equal_nan=True)
    plain, wider = count_reps(track), count_reps(padded)
    assert wider.count == plain.count == 2
    assert [r.bottom_s for r in wider.reps] == [r.bottom_s for r in plain.reps]
    motion, motion_padded = BodyMotion.from_track(track), BodyMotion.from_track(padded)
    assert np.allclose(motion_padded.angles, motion.angles, atol=1e-3)
    # and the angle is the picture's: at the first marked bottom (10.5 s) the knee is bent deep
    bottom = track.frame_at(10.5)
    assert np.nanmin(mean_angle(track, knees)[bottom - 15 : bottom + 15]) < 90.0


def test_a_count_of_zero_says_why(sample_squat_track, shared_data, pose_cache_dir):
    """Compare counters showed a bare 0 for the periodicity counter on three clips, which
    read as a failure. Every 0 now carries its reason: the counter's own (no period) or
    the body gate's (reps found, all too small)."""
    from analysis.counting import compare_counters

    pause = sample_squat_track.slice_time(12.0, 14.5)  # standing between the two squats
    result, ungated = count_reps(pause), count_reps(pause, gate=False)
    assert result.count == 0
    if ungated.count:  # jitter made "reps" (with these pixels it does; other CPUs' may not)
        assert result.diagnostics["none_because"].endswith("all too small a movement to be reps (body gate)")
    else:
        assert result.diagnostics["none_because"] == "no rep found on this signal"
    one_curl = extract_pose(
        shared_data / "clips" / "curl_side_rohitkeshav27_1.mp4", workers=2, cache=TrackCache(pose_cache_dir)
    )
    periodicity = compare_counters(one_curl, methods=["periodicity"])["periodicity"]
    assert periodicity.count == 0
    assert periodicity.diagnostics["none_because"] == "no period repeats between 0.35 and 8 s"
    assert "none_because" not in count_reps(one_curl).diagnostics  # it counts its one curl


def test_counters_without_a_return_check_keep_only_reps_that_come_back(sample_squat_track):
    """The adaptive counter found 4 "reps" in the sample (2 squats): steps while he stood
    and one whose turning point was the clip's last frame. Its reps, like those of every
    counter that does not check a rep's return itself, must now move on the way down and
    on the way back; the peak counter's cycles already do (its gate is unchanged)."""
    from analysis.counting import compare_counters

    adaptive = compare_counters(sample_squat_track, methods=["adaptive"])["adaptive"]
    assert adaptive.diagnostics["gate"]["both_sides"]
    assert adaptive.count == 2
    assert all(abs(r.bottom_s - marked) < 0.5 for r, marked in zip(adaptive.reps, (10.5, 17.3)))  # clips.tsv
    assert not count_reps(sample_squat_track).diagnostics["gate"]["both_sides"]
    motion = BodyMotion.from_track(sample_squat_track)
    end = float(sample_squat_track.times[-1])
    half = Rep(end - 0.8, end, end)  # down to the last frame, never back
    assert motion.excursions([half])[0][0] > MIN_EXCURSION  # one-sided it moves enough...
    assert motion.excursions([half], both_sides=True)[0][0] == 0.0  # ...but never comes back
