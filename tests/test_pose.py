"""Real MediaPipe on real clips: the pose track, its files, the cache and both backends."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.cache import TrackCache, file_hash
from analysis.errors import PoseError, VideoError
from analysis.landmarks import LANDMARK_NAMES, midpoint
from analysis.pose import PoseSettings, extract_pose, track_key
from analysis.task_bundle import build_pose_task_bundle
from analysis.track import PoseTrack, load_track
from tests.clipmaker import cut_short, reencode
from tests.conftest import REPO_ROOT, SAMPLE_VIDEOS

pytestmark = pytest.mark.slow
SIDE_SQUAT = SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4"  # bottoms at 10.5 s and 17.3 s (hand-marked)


def hip_height(track: PoseTrack, time_s: float) -> float:
    """Image y of the hip centre (down is larger) at a time."""
    return float(midpoint(track.landmarks, "left_hip", "right_hip")[track.frame_at(time_s), 1])


def test_squat_track_finds_the_person_and_the_hips_go_down_and_up(sample_squat_track):
    track = sample_squat_track
    assert track.detection_rate > 0.95
    assert len(track) == 614 and np.all(np.diff(track.times) > 0)
    assert (track.width, track.height) == (608, 1080)
    standing = [hip_height(track, t) for t in (5.0, 13.5, 19.5)]
    bottoms = [hip_height(track, t) for t in (10.5, 17.3)]
    # at each hand-marked bottom the hips are lower (larger y) than in every standing phase
    assert min(bottoms) > max(standing) + 0.05
    # world landmarks are in metres: an adult's hip width is a few tens of centimetres
    hip_width = np.nanmedian(np.linalg.norm(track.world[:, 23] - track.world[:, 24], axis=1))
    assert 0.1 < hip_width < 0.5
    assert np.nanmin(track.visibility) >= 0 and np.nanmax(track.visibility) <= 1


def test_npz_and_csv_round_trip(sample_squat_track, tmp_path):
    track = sample_squat_track
    track.save(tmp_path / "t.npz")
    again = load_track(tmp_path / "t.npz")
    assert np.array_equal(again.landmarks, track.landmarks, equal_nan=True)
    assert np.array_equal(again.world, track.world, equal_nan=True)
    assert again.source_hash == track.source_hash and again.fps == track.fps

    holed = track.slice_time(0, 2.0)
    holed.landmarks[3] = np.nan  # a frame with no person
    holed.visibility[3] = np.nan
    holed.to_csv(tmp_path / "t.csv")
    table = pd.read_csv(tmp_path / "t.csv")
    expected = ["time_s"] + [f"{n}_{a}" for n in LANDMARK_NAMES for a in ("x", "y", "z", "visibility")]
    assert list(table.columns) == [*expected, "frame_width", "frame_height"]
    assert table.iloc[3, 1:-2].isna().all() and table.iloc[2, 1:].notna().all()
    row3 = (tmp_path / "t.csv").read_text().splitlines()[4]
    assert row3.split(",")[1:] == [""] * 132 + [str(track.width), str(track.height)]  # empty cells, not 'nan'
    back = load_track(tmp_path / "t.csv")
    assert np.allclose(back.landmarks, holed.landmarks, atol=1e-5, equal_nan=True)


def test_second_analysis_of_the_same_bytes_loads_the_stored_track(tmp_path):
    clip = tmp_path / "short.mp4"
    reencode(SIDE_SQUAT, clip, seconds=1.0, start_s=9.5)
    cache = TrackCache(tmp_path / "cache")
    first = extract_pose(clip, cache=cache)
    key = track_key(file_hash(clip), PoseSettings(), [0.0])  # a 1 s clip is one chunk
    assert cache.path_for(key).exists()
    # Mark the stored entry: if the second call ran the model again, the mark would be gone.
    marked = load_track(cache.path_for(key))
    marked.meta["marker"] = "from-cache"
    marked.save(cache.path_for(key))
    copy = tmp_path / "renamed copy.mp4"
    copy.write_bytes(clip.read_bytes())
    second = extract_pose(copy, cache=cache)
    assert second.meta.get("marker") == "from-cache"
    assert np.array_equal(second.landmarks, first.landmarks, equal_nan=True)
    # another setting is another entry
    third = extract_pose(clip, cache=cache, settings=PoseSettings(max_side=320))
    assert "marker" not in third.meta


def test_rotated_phone_clip_gives_an_upright_person(tmp_path):
    clip = tmp_path / "phone.mp4"
    reencode(SIDE_SQUAT, clip, seconds=2.0, start_s=9.5, rotate_pixels=-90, rotation=-90)
    track = extract_pose(clip, cache=False)
    assert (track.width, track.height) == (270, 480)  # portrait again after the rotation flag
    assert track.detection_rate > 0.9
    shoulders = midpoint(track.landmarks, "left_shoulder", "right_shoulder")[:, 1]
    ankles = midpoint(track.landmarks, "left_ankle", "right_ankle")[:, 1]
    hips = midpoint(track.landmarks, "left_hip", "right_hip")[:, 1]
    assert np.nanmedian(shoulders) < np.nanmedian(hips) < np.nanmedian(ankles)  # head up, feet down


def test_tasks_backend_with_a_task_bundle_agrees_with_the_builtin_model(tmp_path):
    bundle = build_pose_task_bundle(tmp_path / "pose_landmarker_full.task")
    clip = tmp_path / "short.mp4"
    reencode(SIDE_SQUAT, clip, seconds=1.5, start_s=9.5)
    legacy = extract_pose(clip, cache=False)
    tasks = extract_pose(clip, cache=False, settings=PoseSettings(model_path=str(bundle)))
    assert tasks.meta["backend"] == "mediapipe-tasks"
    assert tasks.detection_rate > 0.9
    body = [11, 12, 23, 24, 25, 26, 27, 28]
    gap = np.nanmedian(np.abs(tasks.landmarks[:, body, :2] - legacy.landmarks[:, body, :2]))
    assert gap < 0.02  # same network, different graph: within 2% of the frame


def test_a_model_file_that_is_not_a_task_bundle_is_refused_clearly(tmp_path):
    fake = tmp_path / "pose.task"
    fake.write_text("not a model")
    with pytest.raises(PoseError, match="not a MediaPipe .task bundle"):
        extract_pose(SIDE_SQUAT, cache=False, settings=PoseSettings(model_path=str(fake)))


def test_a_bundle_of_other_networks_or_a_missing_model_is_one_clear_error(tmp_path, capsys):
    """A bundle of other networks loads and then failed on the first frame with a graph dump
    and two chained tracebacks; a missing --model file was a FileNotFoundError from the cache
    key, which hashes the file before anything checked it."""
    from analysis.cli import main
    from analysis.pose import check_pose_model

    wrong = build_pose_task_bundle(
        tmp_path / "wrong.task", "face_detection/face_detection_short_range.tflite",
        "hand_landmark/hand_landmark_full.tflite",
    )  # fmt: skip
    with pytest.raises(PoseError, match="wrong.task is not a pose model MediaPipe can run"):
        check_pose_model(wrong)
    # the right person detector with another landmark network: on a blank frame the detector
    # finds nobody and the landmark network never ran, so it was "In use" (review J)
    for landmarks in ("pose_detection/pose_detection.tflite", "hand_landmark/hand_landmark_full.tflite"):
        half = build_pose_task_bundle(tmp_path / "half.task", landmarks_model=landmarks)
        with pytest.raises(PoseError, match="half.task is not a pose model MediaPipe can"):
            check_pose_model(half)
    check_pose_model(build_pose_task_bundle(tmp_path / "pose.task"))  # the real pair passes
    clip = tmp_path / "short.mp4"
    reencode(SIDE_SQUAT, clip, seconds=1.0, start_s=9.5, max_side=240)
    for model, message in ((wrong, "is not a pose model MediaPipe can run"),
                           (tmp_path / "missing.task", "pose model file not found"),
                           (tmp_path, "pose model file not found")):  # fmt: skip
        code = main(
            ["extract", str(clip), "-o", str(tmp_path / "t.npz"), "--no-cache", "--model", str(model)]
        )
        err = capsys.readouterr().err
        assert code == 2 and message in err and "Traceback" not in err, err


def test_a_clip_whose_frames_all_carry_one_time_is_one_clear_error(tmp_path):
    """Every packet stamped at 0 s: the page showed a ValueError traceback and lost the
    clip before, and ``form`` a Python traceback (review J)."""
    from analysis.errors import VideoError
    from tests.clipmaker import all_at_time_zero

    clip, damaged = tmp_path / "clip.mp4", tmp_path / "stamped_zero.mkv"
    reencode(SIDE_SQUAT, clip, seconds=2.0, start_s=9.0)
    all_at_time_zero(clip, damaged)
    with pytest.raises(VideoError, match=r"^stamped_zero.mkv: its frames carry no usable times"):
        extract_pose(damaged, cache=False)
    form = subprocess.run(
        [sys.executable, "-m", "analysis", "form", "--json", str(damaged)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert form.returncode == 2 and "Traceback" not in form.stderr
    assert "error: stamped_zero.mkv: its frames carry no usable times" in form.stderr


def test_recordings_joined_into_one_file_are_named_as_such_not_damaged(tmp_path):
    """Camcorder files copied together play straight through, but each one's clock starts
    again: such a file was called damaged, to be exported again from "the phone or the
    editor" (review S). The message says where the times jump back and what to do."""
    first, second, joined = tmp_path / "00000.ts", tmp_path / "00001.ts", tmp_path / "joined.ts"
    reencode(SIDE_SQUAT, first, seconds=1.0, start_s=9.0, max_side=240)
    reencode(SIDE_SQUAT, second, seconds=1.0, start_s=10.0, max_side=240)
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    with pytest.raises(
        VideoError,
        match=r"^joined.ts: its frame times jump back from 1.0 s to 0.0 s, as in recordings joined",
    ):
        extract_pose(joined, workers=1, cache=False, require_person=False)


def test_no_person_in_view_is_a_clear_error(tmp_path):
    clip = tmp_path / "wall.mp4"
    reencode(SIDE_SQUAT, clip, seconds=1.0, start_s=0.0, max_side=240)
    # keep only the top strip of the picture (the wall above the lifter's head)
    import av

    empty = tmp_path / "empty_room.mp4"
    with av.open(str(clip)) as src, av.open(str(empty), "w") as dst:
        out = dst.add_stream("libx264", rate=30)
        out.width, out.height, out.pix_fmt = 240, 64, "yuv420p"
        for frame in src.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")[:64, :, :]
            rgb = np.ascontiguousarray(np.tile(rgb[:, :1, :], (1, 240, 1)))  # flat colour bands
            for packet in out.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                dst.mux(packet)
        for packet in out.encode():
            dst.mux(packet)
    with pytest.raises(PoseError, match="no person was found"):
        extract_pose(empty, cache=False)


def test_cli_extract_writes_csv_and_reports_bad_input_in_one_line(tmp_path):
    clip = tmp_path / "short.mp4"
    reencode(SIDE_SQUAT, clip, seconds=1.0, start_s=9.5)
    env_cmd = [sys.executable, "-m", "analysis", "extract"]
    ok = subprocess.run(
        [*env_cmd, str(clip), "-o", str(tmp_path / "out.csv"), "--cache-dir", str(tmp_path / "c")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    table = pd.read_csv(tmp_path / "out.csv")
    assert table.shape == (30, 1 + 33 * 4 + 2) and table.columns[1] == "nose_x"
    assert "100%" in ok.stderr  # the progress bar reached the end
    assert "inference_feedback_manager" not in ok.stderr and "XNNPACK" not in ok.stderr  # native noise

    bad = tmp_path / "holiday.mov"
    bad.write_bytes(b"\x00" * 1000)
    failed = subprocess.run(
        [*env_cmd, str(bad), "-o", str(tmp_path / "x.npz"), "--no-cache"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert failed.returncode == 2
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "holiday.mov" in errors[0]
    assert "Traceback" not in failed.stderr
    assert not (tmp_path / "x.npz").exists()

    nowhere = subprocess.run(  # refused before the pose pass, in one line
        [*env_cmd, str(clip), "-o", str(tmp_path / "no_such_folder" / "out.csv"), "--no-cache"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert nowhere.returncode == 2 and "Traceback" not in nowhere.stderr
    assert "no_such_folder" in nowhere.stderr and "does not exist" in nowhere.stderr
    assert "pose:" not in nowhere.stderr  # no progress bar: nothing was analysed


def test_python_gets_the_track_the_dashboard_and_the_cli_get(tmp_path):
    """``extract_pose(clip)`` with no ``workers`` runs the same chunk plan as the CLI and the
    dashboard: its track is the one they find in the cache. With one chunk by default, a
    script had judged a squat "good" that the app called "toes lifting" (review K)."""
    clip = tmp_path / "six_seconds.mp4"
    reencode(SIDE_SQUAT, clip, seconds=6.0, start_s=8.0)
    cache = tmp_path / "cache"
    track = extract_pose(clip, cache=TrackCache(cache))
    assert len(track.meta["chunk_starts_s"]) == 2  # long enough for the two chunks
    cli = subprocess.run(
        [sys.executable, "-m", "analysis", "extract", str(clip), "-o", str(tmp_path / "cli.npz"), "--cache-dir", str(cache)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert len(list(cache.glob("*.npz"))) == 1  # the CLI found the Python track, no second plan
    assert np.array_equal(load_track(tmp_path / "cli.npz").landmarks, track.landmarks, equal_nan=True)


def test_on_a_terminal_the_progress_bar_redraws_in_place(tmp_path):
    """The native-log filter swaps stderr for a pipe; the bar must still know it is on a
    terminal (before, every run on a terminal printed the log file's 10% lines)."""
    import os
    import pty

    clip = tmp_path / "short.mp4"
    reencode(SIDE_SQUAT, clip, seconds=1.0, start_s=9.5)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "extract", str(clip), "-o", str(tmp_path / "t.npz"), "--no-cache"],
        cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the program closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.wait(timeout=300) == 0, shown.decode(errors="replace")
    text = shown.decode(errors="replace")
    assert "\r" in text and "[##############################] 30/30 frames" in text
    assert "% (" not in text  # not the log file's "pose: 10% (3/30 frames)" lines
    assert text.count("30/30 frames") == 1  # the finished bar is drawn once


def test_a_csv_export_counts_as_the_track_it_came_from(sample_squat_track, tmp_path):
    """The CSV export left out the frame size, which the counters need (x and y are shares
    of it): read back, the sample counted 5 reps where its track counts 4 (adaptive)."""
    from analysis.counting import compare_counters

    sample_squat_track.to_csv(tmp_path / "t.csv")
    again = PoseTrack.from_csv(tmp_path / "t.csv")
    assert (again.width, again.height) == (sample_squat_track.width, sample_squat_track.height)
    for exercise in (None, "squat"):
        counts = {m: r.count for m, r in compare_counters(sample_squat_track, exercise=exercise).items()}
        assert {m: r.count for m, r in compare_counters(again, exercise=exercise).items()} == counts


def test_a_long_tracks_csv_keeps_its_times(tmp_path):
    """Six significant digits kept only 10 ms past 1,000 s: a 120 frames/s track read back
    with repeated times."""
    n = 240
    times = 1000.0 + np.arange(n) / 120.0
    points = np.random.default_rng(0).random((n, 33, 3)).astype(np.float32)
    track = PoseTrack(times=times, landmarks=points, visibility=np.ones((n, 33), np.float32),
                      world=np.full((n, 33, 3), np.nan, np.float32), fps=120.0)  # fmt: skip
    track.to_csv(tmp_path / "long.csv")
    back = load_track(tmp_path / "long.csv")
    assert np.all(np.diff(back.times) > 0)
    assert np.allclose(back.times, times, atol=2e-6)


def test_a_csv_export_is_never_left_half_written(sample_squat_track, tmp_path, monkeypatch):
    """Killed half way, the export leaves no shorter file at the name asked for (which would
    read back as a shorter track without complaint)."""
    import pandas as pd

    target = tmp_path / "t.csv"
    real_to_csv = pd.DataFrame.to_csv

    def dies_half_way(frame, path, **kwargs):
        real_to_csv(frame.iloc[: len(frame) // 2], path, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        sample_squat_track.to_csv(target)
    assert not target.exists()


def test_a_file_that_is_no_track_is_one_readable_error(tmp_path):
    from analysis.track import TrackFileError

    notes = tmp_path / "notes.npz"
    notes.write_bytes(b"shopping list" * 10)
    with pytest.raises(TrackFileError, match="notes.npz: cannot be read as a RepLab track"):
        load_track(notes)
    with pytest.raises(TrackFileError, match="gone.csv: no such file"):
        load_track(tmp_path / "gone.csv")


def test_a_renamed_clip_served_from_the_cache_carries_its_new_name(
    sample_squat_track, pose_cache_dir, tmp_path
):
    import shutil

    from analysis.cache import TrackCache

    renamed = tmp_path / "monday_session.mp4"
    shutil.copy(SIDE_SQUAT, renamed)
    track = extract_pose(renamed, workers=1, cache=TrackCache(pose_cache_dir))
    assert track.source_hash == sample_squat_track.source_hash  # the stored track, no new pass
    assert track.source_name == "monday_session.mp4"


def test_a_cache_that_cannot_store_still_returns_the_finished_track(tmp_path):
    """A read-only or full cache folder used to throw away a finished pose pass."""
    from analysis.cache import TrackCache

    clip = tmp_path / "short.mp4"
    reencode(SIDE_SQUAT, clip, seconds=1.0, start_s=9.5)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(UserWarning, match="was not stored"):
        track = extract_pose(clip, workers=1, cache=TrackCache(blocker / "cache"))
    assert len(track) == 30 and track.detected.all()
    assert track.meta["not_cached"] == str(blocker / "cache")  # for the page to say so


def test_a_damaged_cache_entry_is_a_miss(sample_squat_track, tmp_path):
    """Bytes zeroed inside a stored track (a bad copy, a disk fault). Most such damage fails
    the archive's checks, but some breaks the compressed stream itself: that zlib error
    escaped a narrowed ``except`` and the page showed a traceback on every visit (review L).
    Every kind is a miss, and the next analysis stores the track again."""
    import zlib

    cache = TrackCache(tmp_path)
    assert cache.put("key", sample_squat_track)
    whole = cache.path_for("key").read_bytes()
    kinds = set()
    for step in range(1, 80):
        data = bytearray(whole)
        start = len(data) * step // 80
        data[start : start + 64] = bytes(64)
        cache.path_for("key").write_bytes(bytes(data))
        try:
            PoseTrack.load(cache.path_for("key"))
        except Exception as exc:  # which kind of damage this was
            kinds.add(type(exc))
        assert cache.get("key") is None, step
    assert zlib.error in kinds  # the case the review found is among them
    assert cache.put("key", sample_squat_track) and len(cache.get("key")) == len(sample_squat_track)


def test_two_writers_of_one_cache_entry_both_succeed(sample_squat_track, tmp_path):
    """Every writer of an entry used one temporary name: one's rename took the other's file
    and its put failed (20 of 40 in a two-process run)."""
    from concurrent.futures import ThreadPoolExecutor

    from analysis.cache import TrackCache

    cache = TrackCache(tmp_path)
    keys = [f"k{i}" for i in range(10)] * 2
    with ThreadPoolExecutor(2) as pool:
        stored = list(pool.map(lambda key: cache.put(key, sample_squat_track), keys))
    assert all(stored)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"k{i}.npz" for i in range(10))
    assert np.array_equal(cache.get("k3").landmarks, sample_squat_track.landmarks, equal_nan=True)


def test_a_track_says_when_its_file_stops_before_the_end_it_announces(tmp_path):
    """An upload cut short is read up to the cut (tests/test_video.py); the track now says
    where the frames stopped and where the header said they would, so the page and the CLI
    can warn. A whole clip, or a strided pass whose last frame falls a stride short, says
    nothing."""
    whole = tmp_path / "whole.mp4"
    reencode(SIDE_SQUAT, whole, seconds=6.0, start_s=8.0, max_side=240, faststart=True)
    cut = cut_short(whole, tmp_path / "cut.mp4", 0.6)
    stops, announced = extract_pose(cut, workers=1, cache=False).meta["ends_early_s"]
    assert 0 < stops < announced - 1.0 and announced == pytest.approx(6.0, abs=0.1)
    assert extract_pose(whole, workers=1, cache=False).meta["ends_early_s"] is None
    strided = extract_pose(whole, workers=1, cache=False, settings=PoseSettings(stride=3))
    assert strided.meta["ends_early_s"] is None


def test_opencv_runs_on_one_thread_only_while_a_pose_pass_runs(tmp_path):
    """OpenCV's worker threads took CPU from the pose models, so a pass holds OpenCV to one
    thread; the setting is the whole process's, and the flow counter and the drawing after
    it keep OpenCV's threads (it once stayed at one thread for good, set from a chunk)."""
    import cv2

    clip = tmp_path / "short.mp4"
    reencode(SIDE_SQUAT, clip, seconds=4.0, start_s=9.0)
    before = cv2.getNumThreads()
    during = []
    extract_pose(
        clip, workers=2, cache=False, progress=lambda done, total: during.append(cv2.getNumThreads())
    )
    *analysing, finished = during  # the last report comes once the track is built
    assert len(analysing) > 10 and set(analysing) == {1}
    assert finished == cv2.getNumThreads() == before


def _every_tenth_time_repeated(path, seconds: float, **kwargs) -> list[float]:
    """``SIDE_SQUAT`` re-encoded with the frame before every tenth stamped with that frame's
    time (two frames at one time, as some phones and screen recorders write)."""
    times = [i / 30 for i in range(int(seconds * 30))]
    for k in range(10, len(times), 10):
        times[k - 1] = times[k]
    reencode(SIDE_SQUAT, path, seconds=seconds, pts_s=times, **kwargs)
    return times


def test_a_clip_with_repeated_frame_times_keeps_every_reps_speed(tmp_path, pose_cache_dir):
    """Both frames of a repeated time were analysed: the track held two rows at one time, and
    every rep's hip speed (a gradient over the times) came out NaN, moving the verdicts."""
    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps

    path = tmp_path / "repeats.mkv"
    written = _every_tenth_time_repeated(path, 20.4, max_side=480)
    track = extract_pose(path, cache=TrackCache(pose_cache_dir))
    assert np.all(np.diff(track.times) > 0)
    assert len(track) == len(set(written))  # one row per time: 551 of the 612 frames
    verdicts = assess_squat_reps(track, count_reps(track, exercise="squat"))
    assert len(verdicts) == 2  # the sample's two reps
    for verdict in verdicts:
        assert all(np.isfinite(verdict.features[name]) for name in ("max_down_speed", "max_up_speed"))


def test_a_cached_track_with_repeated_times_is_made_again(tmp_path):
    """A track cached before the reader kept one frame per time is not handed back."""
    path = tmp_path / "repeats.mkv"
    _every_tenth_time_repeated(path, 2.0, max_side=96)
    store = TrackCache(tmp_path / "cache")
    fresh = extract_pose(path, workers=1, cache=store, require_person=False)
    times = fresh.times.copy()
    times[1] = times[0]
    stale = PoseTrack(times=times, landmarks=fresh.landmarks, visibility=fresh.visibility, world=fresh.world,
                      width=fresh.width, height=fresh.height, fps=fresh.fps, source_hash=fresh.source_hash)  # fmt: skip
    store.put(track_key(file_hash(path), PoseSettings(), [0.0]), stale)
    again = extract_pose(path, workers=1, cache=store, require_person=False)
    assert np.all(np.diff(again.times) > 0)
    assert np.array_equal(again.times, fresh.times)
