"""The library as a notebook uses it: scikit-learn estimator rules for the counters, plain
inputs a script has at hand (NumPy scalars, timedeltas), and the track and verdicts types."""

from __future__ import annotations

import copy
import inspect
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from analysis.counting import COUNTERS, PeakCounter, compare_counters, count_reps, find_reps
from analysis.track import PoseTrack

# ten 2-second cycles at 30 frames/s: enough for every counter to find reps
TIMES = np.arange(0, 20, 1 / 30)
WAVE = np.cos(2 * np.pi * TIMES / 2.0)


@pytest.mark.parametrize("name", list(COUNTERS))
def test_counters_follow_sklearn_fitted_rules(name):
    estimator = COUNTERS[name]()
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)  # was an AttributeError about __sklearn_tags__
    with pytest.raises(NotFittedError, match="count_"):
        _ = estimator.count_  # was a bare AttributeError
    assert not hasattr(estimator, "reps_")
    fitted = clone(estimator).fit(WAVE, TIMES)
    check_is_fitted(fitted)
    assert fitted.count_ == len(fitted.reps_) > 0
    with pytest.raises(AttributeError, match="no_such_"):
        _ = fitted.no_such_  # a typo after fit is not called "not fitted"


@pytest.mark.parametrize("name", list(COUNTERS))
def test_none_is_refused_by_name_where_a_setting_has_no_automatic_value(name):
    cls = COUNTERS[name]
    defaults = inspect.signature(cls.__init__).parameters
    fixed = [k for k in cls.param_kinds if defaults[k].default is not None]
    assert fixed
    for key in fixed:  # each had failed deep inside with "NoneType" in a TypeError
        with pytest.raises(ValueError, match=f"{key} must be .*not None"):
            cls(**{key: None}).fit(WAVE, TIMES)


def test_numpy_scalars_from_a_settings_grid_are_taken_as_the_python_values():
    """``for polarity in np.array(["min", "max"])`` gave "polarity must be ... not 'min'"."""
    for tempo in np.array([True, False]):
        for polarity in np.array(["min", "max"]):
            got = PeakCounter(local_tempo=tempo, polarity=polarity).fit(WAVE, TIMES)
            plain = PeakCounter(local_tempo=bool(tempo), polarity=str(polarity)).fit(WAVE, TIMES)
            assert got.reps_ == plain.reps_


def test_timedelta_times_are_seconds_and_clock_times_are_refused():
    """pandas/NumPy times were read as nanoseconds: reps "at" 2,566,666,667 s."""
    seconds = PeakCounter().fit(WAVE, TIMES).reps_
    delta = PeakCounter().fit(WAVE, pd.to_timedelta(TIMES, unit="s")).reps_
    assert [round(r.bottom_s, 6) for r in delta] == [round(r.bottom_s, 6) for r in seconds]
    with pytest.raises(ValueError, match="datetime64"):
        PeakCounter().fit(WAVE, pd.to_datetime(TIMES, unit="s"))
    with pytest.raises(ValueError, match="datetime64"):
        PoseTrack(
            times=pd.to_datetime([0, 1, 2], unit="s"), landmarks=np.zeros((3, 33, 3)),
            visibility=np.ones((3, 33)), world=np.zeros((3, 33, 3)),
        )  # fmt: skip
    with pytest.raises(ValueError, match="times are needed"):
        PeakCounter().fit(WAVE, None)


def test_counting_something_other_than_a_track_says_how_to_make_one():
    with pytest.raises(TypeError, match="PoseTrack.from_array"):
        count_reps(np.zeros((30, 99)))  # was: 'numpy.ndarray' object has no attribute 'content_digest'


def test_settings_for_a_misspelt_method_are_refused():
    track = PoseTrack.from_array(np.random.default_rng(0).random((60, 99)))
    with pytest.raises(ValueError, match="'peak'"):  # were dropped: every count as if untuned
        compare_counters(track, methods=["peaks"], settings={"peak": {"prominence": 100.0}})


def test_a_track_prints_in_one_line_and_compares_by_content():
    track = PoseTrack.from_array(np.random.default_rng(0).random((90, 33, 4)), source_name="x.npy")
    assert repr(track) == (
        "PoseTrack(90 frames, 3.00 s, frame size unknown, 30 fps, person in 100%, world=no, source_name='x.npy')"
    )
    assert track == copy.deepcopy(track)  # was: "truth value of an array ... is ambiguous"
    assert track != track.slice_time(0, 1)


def test_verdicts_of_reps_read_back_from_json_are_the_same(shared_data, pose_cache_dir):
    """``assess_squat_reps`` takes the reps JSON's dicts, whose times are rounded to the
    millisecond: a rep lost its first frame and P(good) moved (0.399 -> 0.461 on this clip)."""
    from analysis.cache import TrackCache
    from analysis.form import assess_squat_reps
    from analysis.pose import extract_pose

    track = extract_pose(
        shared_data / "clips" / "squat_side_formfit_1.mp4", workers=2, cache=TrackCache(pose_cache_dir)
    )
    reps = count_reps(track, exercise="squat").reps
    dicts = json.loads(json.dumps([rep.to_dict() for rep in reps]))
    direct, read_back = assess_squat_reps(track, reps), assess_squat_reps(track, dicts)
    assert len(direct) == len(read_back) > 0
    for a, b in zip(direct, read_back):
        assert (a.label, a.reason) == (b.label, b.reason)
        assert a.p_good == pytest.approx(b.p_good, abs=1e-12, nan_ok=True)
    # the count's result itself is taken too (was: "'CountResult' object is not iterable")
    whole = assess_squat_reps(track, count_reps(track, exercise="squat"))
    assert [(v.label, v.p_good) for v in whole] == [(v.label, v.p_good) for v in direct]


def test_one_function_reads_a_video_or_any_pose_file_into_a_track(shared_data, pose_cache_dir, tmp_path):
    """``load_track`` refused videos and ``extract_pose`` pose files; only the CLI knew which
    to call. ``read_track`` is the one door from a path to a ``PoseTrack``."""
    from analysis.cache import TrackCache
    from analysis.pose import read_track
    from analysis.track import TrackFileError, load_track

    clip = shared_data / "clips" / "squat_side_formfit_1.mp4"
    video = read_track(clip, workers=2, cache=TrackCache(pose_cache_dir))
    assert isinstance(video, PoseTrack) and video.has_world and len(video) > 100
    saved = tmp_path / "track.npz"
    video.save(saved)
    assert read_track(saved) == load_track(saved)
    poses = next((shared_data / "repcount" / "poses").glob("*.npy"))
    array_track = read_track(poses)
    assert array_track.fps == 30.0 and len(array_track) == len(np.load(poses))  # RepCount's rate
    assert read_track(poses, fps=25).duration_s > array_track.duration_s
    with pytest.raises(TrackFileError, match="read_track reads videos too"):
        load_track(clip)


@pytest.mark.parametrize("method", ["peaks", "hysteresis", "periodicity"])
def test_find_reps_takes_plain_arrays_and_gives_events_and_properties(method):
    """As ``scipy.signal.find_peaks``: indices of the turning points, then a dict of
    properties (one entry per rep, plus what the counter learned), from plain arrays."""
    bottoms, properties = find_reps(list(WAVE), TIMES, method=method)
    fitted = COUNTERS[method]().fit(WAVE, TIMES)
    assert len(bottoms) == fitted.count_ >= 8  # ten cycles, the edge ones may be cut
    assert np.allclose(TIMES[bottoms], [r.bottom_s for r in fitted.reps_], atol=1 / 30)
    assert np.all(properties["starts"] < bottoms) and np.all(bottoms < properties["ends"])
    assert np.allclose(TIMES[properties["ends"]], properties["end_s"], atol=1 / 30)
    learned = {k[:-1] for k in vars(fitted) if k.endswith("_") and not k.startswith("_")} - {"reps", "count"}
    assert learned and learned <= set(properties)
    with pytest.raises(ValueError, match="unknown method 'peak'"):
        find_reps(WAVE, TIMES, method="peak")


def test_the_readmes_python_example_runs_as_written(pose_cache_dir, tmp_path, monkeypatch):
    """The README's Python block is what a notebook user copies first: run it as written
    (its history in a temporary file, its pose pass cached)."""
    import re

    from tests.conftest import REPO_ROOT

    monkeypatch.setenv("REPLAB_CACHE_DIR", str(pose_cache_dir))
    monkeypatch.setenv("REPLAB_HISTORY_DB", str(tmp_path / "history.sqlite3"))
    monkeypatch.chdir(REPO_ROOT)
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"The same from Python.*?```python\n(.*?)```", readme, re.S).group(1)
    names: dict = {}
    exec(compile(code, "README.md", "exec"), names)
    assert names["result"].count >= 1 and len(names["verdicts"]) == names["squats"].count >= 1
    assert len(names["bottoms"]) == len(names["properties"]["bottom_s"]) >= 1
    assert names["outcome"].status == "saved"
    assert len(names["rows"]) == names["outcome"].count and names["rows"][0]["verdict"]
    # the second block, in a folder of its own (it writes its files where it runs)
    outputs = re.search(r"The pages' other outputs.*?```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "sample_videos").symlink_to(REPO_ROOT / "sample_videos")
    monkeypatch.chdir(tmp_path)
    exec(compile(outputs, "README.md", "exec"), names)
    assert (tmp_path / "annotated.mp4").stat().st_size > 0
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert names["hint"] is None  # two squats, filmed from the side and at an angle


@pytest.mark.parametrize(
    "module, name, below",
    [
        ("bench.counting_metrics", "SHARED", ""),
        ("bench.form_metrics", "DATA", "squat_form"),
        ("bench.stride_accuracy", "CLIPS", "clips"),
        ("bench.speed", "DEFAULT_CLIP", "clips/squat_front_rjsong_1.mp4"),
        ("analysis.cli.train_form", "DEFAULT_DATA", "squat_form"),
    ],
)
def test_benchmarks_and_training_read_the_shared_data_where_replab_shared_data_points(
    tmp_path, module, name, below
):
    """The README says REPLAB_SHARED_DATA moves the shared data set; the tests honour it, so
    must the benchmark scripts and `train-form` (they used ../shared/data whatever it said)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "REPLAB_SHARED_DATA": str(tmp_path)}
    code = f"import {module} as m; print(m.{name})"
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == tmp_path / below
