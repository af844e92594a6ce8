"""Skeleton drawing and the annotated H.264 clip, decoded back with PyAV."""

from __future__ import annotations

import av
import numpy as np
import pytest

from analysis.landmarks import INDEX
from analysis.render import draw_skeleton, h264_encoder_name, overlay_lines, render_annotated_video
from analysis.video import iter_frames, probe
from tests.conftest import SAMPLE_VIDEOS

SAMPLE = SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4"


def _pose_row() -> np.ndarray:
    row = np.full((33, 3), np.nan)
    row[INDEX["left_shoulder"]] = (0.3, 0.2, 0)
    row[INDEX["left_hip"]] = (0.3, 0.6, 0)
    row[INDEX["left_knee"]] = (0.35, 0.8, 0)
    return row


def test_draw_skeleton_draws_known_edges_and_skips_nan():
    frame = np.zeros((200, 100, 3), dtype=np.uint8)
    out = draw_skeleton(frame, _pose_row())
    assert frame.max() == 0, "the input frame must not be modified"
    assert out[80, 30].any(), "shoulder-hip line (x=30 px, y=40..120) should be drawn"
    assert not out[190, 90].any(), "nothing is drawn far from the landmarks"
    all_nan = draw_skeleton(frame, np.full((33, 3), np.nan))
    assert not all_nan.any()


def test_draw_skeleton_hides_low_visibility_points():
    frame = np.zeros((200, 100, 3), dtype=np.uint8)
    visibility = np.ones(33)
    visibility[INDEX["left_hip"]] = 0.05
    out = draw_skeleton(frame, _pose_row(), visibility)
    assert not out[80, 30].any()


def test_overlay_counts_finished_reps():
    reps = [{"start_s": 1, "bottom_s": 2, "end_s": 3}, {"start_s": 4, "bottom_s": 5, "end_s": 6}]
    verdicts = [{"index": 0, "end_s": 3, "label": "good", "good": True}]
    assert overlay_lines(0.5, reps, None)[0][0] == "Reps: 0/2"
    assert overlay_lines(4.5, reps, verdicts)[0][0].startswith("Reps: 1/2")
    assert overlay_lines(4.5, reps, verdicts)[1][0] == "Rep 1: good"
    assert overlay_lines(7.0, reps, None)[0][0] == "Reps: 2/2"


def test_overlay_and_video_take_a_count_result_as_assess_squat_reps_does(sample_squat_track, tmp_path):
    """``render_annotated_video(..., reps=count_reps(track))`` failed after the first frame
    with "'CountResult' object is not iterable"; ``assess_squat_reps`` takes either."""
    from analysis.counting import count_reps

    result = count_reps(sample_squat_track, exercise="squat")
    assert result.count == 2  # the sample's two squats
    end = result.reps[0].end_s
    assert (
        overlay_lines(end, result, None)
        == overlay_lines(end, result.reps, None)
        == [("Reps: 1/2", (255, 255, 255))]
    )
    out = render_annotated_video(SAMPLE, sample_squat_track, tmp_path / "a.mp4", reps=result, max_side=160,
                                 start_s=end - 0.5, end_s=end + 0.5)  # fmt: skip
    assert len(list(iter_frames(out))) > 0


def test_overlay_colours_a_verdict_by_what_it_says():
    reps = [{"start_s": 1, "bottom_s": 2, "end_s": 3}]
    shown = {
        (label, good, judged): overlay_lines(
            4.0, reps, [{"index": 0, "end_s": 3, "label": label, "good": good, "judged": judged}]
        )[1]  # fmt: skip
        for label, good, judged in (
            ("olympic squat", True, True),
            ("no depth", False, True),
            ("not a squat", False, False),
            ("unknown", False, False),
        )  # fmt: skip
    }
    colours = [colour for _, colour in shown.values()]
    assert len(set(colours)) == 3  # good, a fault and "not judged" each look different
    assert shown[("not a squat", False, False)][0] == "Rep 1: not a squat"
    # a good rep says "good", not only its style in green (one olive with red to a deuteranope:
    # review R), and as the pages say it; so does an unjudged one ("Rep 1: unknown": review N)
    assert shown[("olympic squat", True, True)][0] == "Rep 1: good (olympic squat)"
    assert shown[("unknown", False, False)] == ("Rep 1: not judged (not seen well enough)", colours[2])


def test_the_overlay_text_stays_inside_a_portrait_frame():
    """On a 405 px wide portrait clip the longest verdict line needed 514 px and ran off."""
    from analysis.render import _label_box

    frame = np.full((720, 405, 3), 255, dtype=np.uint8)
    _label_box(frame, [("Reps: 12/12  (in rep)", (255, 255, 255)),
                       ("Rep 12: not judged (not seen well enough)", (160, 160, 160))])  # fmt: skip
    darkened = (frame < 255).any(axis=2)
    assert darkened[:, -5:].sum() == 0  # the box ends before the right edge
    assert darkened[:, : 405 // 2].any()


def test_the_overlay_counts_squats_as_the_pages_do():
    """A 13th movement the form check found not to be a squat (a lifter dropping to the
    floor) is named on the video, but the count says 12 squats, as the pages and the
    history do (the video said "Reps: 13/13"; review N)."""
    reps = [{"start_s": 3 * i, "bottom_s": 3 * i + 1, "end_s": 3 * i + 2} for i in range(13)]
    verdicts = [
        {
            "index": i,
            "end_s": 3 * i + 2,
            "label": "not a squat" if i == 12 else "olympic squat",
            "good": i < 12,
        }
        for i in range(13)
    ]
    lines = overlay_lines(100.0, reps, verdicts)
    assert lines[0][0] == "Reps: 12/12" and lines[1][0] == "Rep 13: not a squat"
    assert overlay_lines(100.0, reps, None)[0][0] == "Reps: 13/13"  # counted without verdicts


def test_h264_encoder_is_available():
    assert h264_encoder_name() in av.codecs_available


@pytest.mark.slow
def test_annotated_video_decodes_as_h264_with_every_frame(sample_squat_track, tmp_path):
    out = tmp_path / "annotated.mp4"
    calls = []
    reps = [{"start_s": 8.0, "bottom_s": 10.5, "end_s": 12.5}]
    render_annotated_video(SAMPLE, sample_squat_track, out, reps=reps, max_side=320,
                           progress=lambda d, t: calls.append((d, t)))  # fmt: skip
    source = probe(SAMPLE)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        width, height = stream.codec_context.width, stream.codec_context.height
    assert width % 2 == 0 and height % 2 == 0
    assert max(width, height) <= 320
    assert abs(width / height - source.width / source.height) < 0.02
    written = list(iter_frames(out))
    assert len(written) == len(sample_squat_track) == source.frame_count
    times = np.array([f.time_s for f in written])
    assert np.allclose(times - times[0], sample_squat_track.times - sample_squat_track.times[0], atol=0.002)
    assert calls and calls[-1][0] == calls[-1][1]
    assert not list(tmp_path.glob("*.part.mp4"))


def test_a_rep_cut_out_starts_at_zero_and_holds_exactly_the_reps_frames(sample_squat_track, tmp_path):
    """Streamlit's player starts and ends on whole seconds; a rep's own clip loops it exactly."""
    rep = {"start_s": 8.48, "bottom_s": 10.38, "end_s": 11.6}
    out = tmp_path / "rep.mp4"
    render_annotated_video(SAMPLE, sample_squat_track, out, reps=[rep], max_side=320,
                           start_s=rep["start_s"], end_s=rep["end_s"])  # fmt: skip
    written = np.array([f.time_s for f in iter_frames(out)])
    inside = sample_squat_track.times[
        (sample_squat_track.times >= rep["start_s"] - 1e-6) & (sample_squat_track.times < rep["end_s"] - 1e-6)
    ]
    assert len(written) == len(inside)
    # from the file's start (the muxer may delay the first frame by a B-frame offset)
    assert written[0] < 1.0 / 29.97
    assert np.allclose(written - written[0], inside - inside[0], atol=0.002)
    assert probe(out).duration_s == pytest.approx(rep["end_s"] - rep["start_s"], abs=0.1)


def test_two_renders_of_the_same_file_at_once_leave_one_whole_video(sample_squat_track, tmp_path):
    """Two browser tabs asking for the same rep clip render it at once: each writes a file of
    its own and renames it, so the result is one whole video (they shared one temporary
    name before) and no part file is left."""
    from concurrent.futures import ThreadPoolExecutor

    rep = {"start_s": 8.48, "bottom_s": 10.38, "end_s": 11.6}
    out = tmp_path / "rep.mp4"

    def render(_):
        return render_annotated_video(SAMPLE, sample_squat_track, out, reps=[rep], max_side=320,
                                      start_s=rep["start_s"], end_s=rep["end_s"])  # fmt: skip

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(render, range(2))) == [str(out)] * 2
    inside = (sample_squat_track.times >= rep["start_s"] - 1e-6) & (
        sample_squat_track.times < rep["end_s"] - 1e-6
    )
    assert len(list(iter_frames(out))) == int(inside.sum())
    assert [p.name for p in tmp_path.iterdir()] == ["rep.mp4"]


def test_two_reps_play_in_step_in_one_clip(sample_squat_track, shared_data, pose_cache_dir, tmp_path):
    """Side by side looped each rep in its own player, and a 3.1 s rep beside a 1.5 s one
    drifted half a rep apart (review X). ``render_reps_in_step`` shows both at the same phase
    in every frame: at the start, the turning point and the end, each panel is that rep's own
    frame at that point of it."""
    import cv2

    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.pose import extract_pose
    from analysis.render import render_reps_in_step
    from analysis.video import read_frame

    other = shared_data / "clips" / "squat_side_wissem_1.mp4"
    other_track = extract_pose(other, workers=1, cache=TrackCache(pose_cache_dir))
    sides = [(SAMPLE, sample_squat_track, count_reps(sample_squat_track).reps[0]),
             (other, other_track, count_reps(other_track).reps[0])]  # fmt: skip
    durations = [rep.end_s - rep.start_s for _, _, rep in sides]
    assert max(durations) > 1.5 * min(durations)  # tempos far apart: the case that drifted
    height = 240
    out = render_reps_in_step(sides, tmp_path / "steps.mp4", height=height, fps=30.0)
    frames = [f.rgb for f in iter_frames(out)]
    assert len(frames) == round(max(durations) * 30) + 1  # the slower rep at its own speed
    phases = np.linspace(0.0, 1.0, len(frames))

    def panel(path, track, time_s):
        rgb = read_frame(path, time_s, max_side=2 * height)
        k = track.frame_at(time_s)
        rgb = draw_skeleton(rgb, track.landmarks[k], track.visibility[k])
        return cv2.resize(
            rgb, (round(rgb.shape[1] * height / rgb.shape[0]), height), interpolation=cv2.INTER_AREA
        )

    for i in (0, int(np.argmin(np.abs(phases - 0.5))), len(frames) - 1):
        left = 0
        for path, track, rep in sides:
            own = panel(path, track, rep.time_at_phase(phases[i]))
            elsewhere = panel(path, track, rep.time_at_phase(0.0 if 0.25 < phases[i] < 0.75 else 0.5))
            shown = frames[i][:, left : left + own.shape[1]]
            lower = slice(height // 3, None)  # below the time label
            near = np.abs(shown[lower].astype(int) - own[lower].astype(int)).mean()
            away = np.abs(shown[lower].astype(int) - elsewhere[lower].astype(int)).mean()
            assert near < 8 and near < away / 2, (path.name, i, near, away)  # H.264 at crf 23: up to 6
            left += own.shape[1] + 8  # the gap between the panels
