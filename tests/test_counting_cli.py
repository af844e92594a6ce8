"""``python -m analysis count``: JSON lines per PATH, every algorithm's count, per-path errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.track import load_track
from tests.conftest import REPO_ROOT

KEYS = {"path", "count", "method", "reps", "algorithms"}


@pytest.fixture(scope="module")
def poses(shared_data):
    with open(shared_data / "repcount" / "annotations.csv", newline="") as handle:
        counts = {row["name"]: int(row["count"]) for row in csv.DictReader(handle)}
    return shared_data / "repcount" / "poses", counts


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_output_has_the_documented_keys_and_a_failing_path_does_not_stop_the_rest(
    poses, tmp_path, capsys
):
    folder, counts = poses
    broken = tmp_path / "broken.npy"
    broken.write_bytes(b"not a numpy file")
    paths = [
        str(folder / "stu9_64.npy"),
        str(broken),
        str(tmp_path / "missing.npz"),
        str(folder / "stu5_16.npy"),
    ]
    code = main(["count", "--json", *paths])
    lines = _json_lines(capsys.readouterr().out)
    assert code != 0
    assert [line["path"] for line in lines] == paths
    good = [lines[0], lines[3]]
    for line, name in zip(good, ("stu9_64", "stu5_16")):
        assert set(line) >= KEYS
        assert abs(line["count"] - counts[name]) <= 1
        assert len(line["reps"]) == line["count"]
        for rep in line["reps"]:
            assert rep["start_s"] <= rep["bottom_s"] <= rep["end_s"]
        assert set(line["algorithms"]) >= {"peaks", "adaptive", "hysteresis", "periodicity"}
        assert line["algorithms"]["peaks"] == line["count"]
    for line in (lines[1], lines[2]):
        assert set(line) == {"path", "error"}
        assert line["error"]


def test_method_exercise_and_fps_options(poses, capsys):
    folder, counts = poses
    path = str(folder / "stu9_64.npy")
    assert main(["count", "--json", "--method", "hysteresis", "--exercise", "squat", path]) == 0
    line = _json_lines(capsys.readouterr().out)[0]
    assert line["method"] == "hysteresis"
    assert line["count"] == line["algorithms"]["hysteresis"]
    assert main(["count", "--json", "--fps", "15", path]) == 0
    slow = _json_lines(capsys.readouterr().out)[0]
    # the same frames at half the frame rate: same reps, twice the times
    assert slow["count"] == pytest.approx(counts["stu9_64"], abs=1)
    assert slow["reps"][-1]["end_s"] > 60


@pytest.mark.parametrize("fps", ["0", "-30", "nan", "inf", "fast", "0.001", "1e308"])
def test_a_frame_rate_that_is_no_rate_is_refused(poses, fps, capsys):
    """0 used to mean 30 without a word, and NaN counted 0 reps with exit code 0."""
    folder, _ = poses
    with pytest.raises(SystemExit) as stop:
        main(["count", "--json", "--fps", fps, str(folder / "stu9_64.npy")])
    assert stop.value.code == 2 and "is not a frame rate" in capsys.readouterr().err


def test_exercise_auto_is_accepted_in_any_case(poses, capsys):
    folder, _ = poses
    path = str(folder / "stu9_64.npy")
    assert main(["count", "--json", path]) == 0
    default = _json_lines(capsys.readouterr().out)[0]
    assert main(["count", "--json", "--exercise", "AUTO", path]) == 0
    assert _json_lines(capsys.readouterr().out)[0] == default


def test_pose_arrays_with_no_frames_or_infinite_values(poses, tmp_path, capsys):
    folder, counts = poses
    rows = np.load(folder / "stu9_64.npy")
    np.save(tmp_path / "empty.npy", rows[:0])
    spoiled = rows.copy()
    spoiled[100:103, 10] = np.inf  # three frames with one impossible coordinate
    np.save(tmp_path / "spoiled.npy", spoiled)
    assert main(["count", "--json", str(tmp_path / "empty.npy"), str(tmp_path / "spoiled.npy")]) == 1
    captured = capsys.readouterr()
    empty, counted = _json_lines(captured.out)
    assert empty["error"] == "empty.npy: holds no frames"
    assert counted["count"] == pytest.approx(counts["stu9_64"], abs=1)
    assert "RuntimeWarning" not in captured.err


def test_a_pose_array_with_no_person_says_so_beside_its_zero(poses, tmp_path, capsys):
    """All-zero rows are frames with no person: a file of only those counted 0 with nothing to
    tell it from a clip with no reps."""
    folder, _ = poses
    np.save(tmp_path / "nobody.npy", np.zeros_like(np.load(folder / "stu9_64.npy")[:300]))
    assert main(["count", "--json", str(tmp_path / "nobody.npy"), str(folder / "stu9_64.npy")]) == 0
    nobody, person = _json_lines(capsys.readouterr().out)
    assert nobody["count"] == 0 and nobody["warning"] == "no person was found in any frame"
    assert "warning" not in person


def test_files_that_are_not_numpy_or_lack_the_frame_size_say_so(poses, tmp_path, capsys):
    """A text file named .npy was blamed on "pickled data" (numpy's words); a CSV whose times
    do not move printed a divide-by-zero warning before its error; an older CSV export
    without the frame size was counted without a word, with rep bottoms up to 1.8 s off."""
    folder, _ = poses
    for name in ("junk.npy", "junk.npz"):
        (tmp_path / name).write_text("time,x\n0,1\n")
    track = load_track(folder / "stu5_16.npy", fps=30)
    track.width, track.height = 1280, 720
    track.to_csv(tmp_path / "sized.csv")
    table = pd.read_csv(tmp_path / "sized.csv")
    table.drop(columns=["frame_width", "frame_height"]).to_csv(tmp_path / "older.csv", index=False)
    table.assign(**{table.columns[0]: 0.0}).to_csv(tmp_path / "still.csv", index=False)
    paths = [str(tmp_path / n) for n in ("junk.npy", "junk.npz", "still.csv", "sized.csv", "older.csv")]
    assert main(["count", "--json", *paths]) == 1
    captured = capsys.readouterr()
    npy, npz, still, sized, older = _json_lines(captured.out)
    assert (
        npy["error"]
        == "junk.npy: cannot be read as a pose array (not a NumPy .npy file: it does not start like one)"
    )
    assert npz["error"] == (
        "junk.npz: cannot be read as a RepLab track (.npz) (not a NumPy .npz archive: it does not start like one)"
    )
    assert "times must increase" in still["error"]
    assert "RuntimeWarning" not in captured.err
    assert "warning" not in sized
    assert "no frame size" in older["warning"] and older["count"] >= 1


def test_a_folder_given_as_a_path_is_called_a_folder(tmp_path, capsys):
    """A folder had given "[Errno 21] Is a directory", and a folder named like a pose file
    "no such file" (review I)."""
    (tmp_path / "clips").mkdir()
    (tmp_path / "poses.npy").mkdir()
    assert main(["count", "--json", str(tmp_path / "clips"), str(tmp_path / "poses.npy")]) == 1
    plain, named = _json_lines(capsys.readouterr().out)
    assert plain["error"].endswith(
        "clips: a folder, not a video or pose file (batch takes a folder of clips)"
    )
    assert named["error"].endswith(
        "poses.npy: a folder, not a video or pose file (batch takes a folder of clips)"
    )
    with pytest.raises(ValueError, match="^poses.npy: a folder, not a pose file$"):
        load_track(tmp_path / "poses.npy")


def test_saved_track_and_csv_export_count_like_the_pose_array(poses, tmp_path, capsys):
    folder, _ = poses
    track = load_track(folder / "stu5_16.npy", fps=30)
    track.save(tmp_path / "t.npz")
    track.to_csv(tmp_path / "t.csv")
    assert (
        main(
            ["count", "--json", str(folder / "stu5_16.npy"), str(tmp_path / "t.npz"), str(tmp_path / "t.csv")]
        )
        == 0
    )
    lines = _json_lines(capsys.readouterr().out)
    assert len({line["count"] for line in lines}) == 1


def test_unknown_exercise_is_refused_before_any_path_is_read(poses, tmp_path, capsys):
    """A typo in --exercise is one error up front (before a pose pass on every video), not
    one per PATH after it; the documented code for a bad input is 2."""
    folder, _ = poses
    paths = [str(folder / "stu9_64.npy"), str(tmp_path / "not_even_there.mp4")]
    code = main(["count", "--json", "--exercise", "yoga_flow", *paths])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "unknown exercise 'yoga_flow'" in captured.err and "squat" in captured.err


def test_a_missing_or_wrong_model_file_is_refused_before_any_path_is_read(poses, tmp_path, capsys):
    """``count --model`` with no such file, or with a bundle MediaPipe cannot run, was one
    failed row per PATH, exit 1; ``batch`` one failed clip each (reviews J, L). It is one
    error, exit 2, as for ``extract`` and ``form``."""
    from analysis.task_bundle import build_pose_task_bundle

    folder, _ = poses
    wrong = build_pose_task_bundle(
        tmp_path / "wrong.task", landmarks_model="hand_landmark/hand_landmark_full.tflite"
    )
    for model, words in (
        (tmp_path / "missing.task", "pose model file not found"),
        (wrong, "wrong.task is not a pose model MediaPipe can run"),
    ):
        for command in (
            ["count", "--json", str(folder / "stu9_64.npy")],
            ["batch", str(folder), "-o", str(tmp_path / "o")],
        ):
            code = main([*command, "--model", str(model)])
            captured = capsys.readouterr()
            assert code == 2 and captured.out == "", command
            assert captured.err.count("error:") == 1 and words in captured.err
    assert not (tmp_path / "o").exists()


def test_module_entry_point_prints_one_line_per_path(poses):
    folder, _ = poses
    out = subprocess.run(
        [sys.executable, "-m", "analysis", "count", "--json", str(folder / "test2021.npy")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    line = _json_lines(out.stdout)[0]
    assert set(line) >= KEYS


def test_cli_names_match_the_counting_package():
    from analysis.cli.count import EXERCISE_NAMES, METHOD_NAMES
    from analysis.counting import COUNTERS, EXERCISE_PRESETS

    assert set(METHOD_NAMES) == set(COUNTERS)
    assert set(EXERCISE_NAMES) == set(EXERCISE_PRESETS)


def test_flow_switched_off_is_refused_before_any_pose_pass(tmp_path, capsys):
    """--method flow with --no-flow can never succeed: it was refused per video, each after
    its whole pose pass (and before that, called "needs a video")."""
    video = REPO_ROOT / "sample_videos" / "squat_side_rohanx01_1.mp4"
    cache = tmp_path / "cache"
    code = main(["count", "--json", "--method", "flow", "--no-flow", "--cache-dir", str(cache), str(video)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "--no-flow switches off" in captured.err
    assert not cache.exists() or not any(cache.iterdir())  # no pose pass was stored


def test_a_reader_that_stops_early_ends_the_command_quietly(poses):
    """``python -m analysis count ... | head -1`` must not end in a BrokenPipeError traceback."""
    folder, _ = poses
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "count", "--json", str(folder / "stu9_64.npy"), str(folder / "stu3_25.npy")],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    proc.stdout.close()  # the reader is gone before the first line is written
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode == 141


def test_a_pose_array_is_read_on_its_coordinates_and_missing_landmarks_are_named(poses, tmp_path, capsys):
    """Review P. An empty frame was one whose whole row was 0, so a (T, 33, 4) array with a
    visibility of 1 on its empty rows put a person at the origin there (test2315: 4 reps -> 0).
    A file from another tool with NaN feet in every frame counted 0 under "no person was found
    in any frame"; the warning now says which landmarks are missing."""
    folder, _ = poses
    plain = np.load(folder / "test2315.npy")
    points = plain[:, :99].reshape(-1, 33, 3)
    assert (~points.any(axis=(1, 2))).any()  # it has empty frames
    seen_everywhere = np.concatenate([points, np.ones((len(points), 33, 1), dtype=points.dtype)], axis=2)
    np.save(tmp_path / "visible.npy", seen_everywhere)
    no_feet = points.astype(float)
    no_feet[:, 29:33] = np.nan  # heels and toes
    np.save(tmp_path / "no_feet.npy", no_feet)
    assert (
        main(
            [
                "count",
                "--json",
                str(folder / "test2315.npy"),
                *(str(tmp_path / n) for n in ("visible.npy", "no_feet.npy")),
            ]
        )
        == 0
    )
    original, visible, feet = _json_lines(capsys.readouterr().out)
    assert visible["count"] == original["count"] > 0 and visible["reps"] == original["reps"]
    assert feet["count"] == 0 and "no person was found" not in feet["warning"]
    assert "left_heel, right_heel, left_foot_index, right_foot_index missing" in feet["warning"]


@pytest.mark.parametrize(
    "array",
    [
        np.zeros(10, dtype=[("x", "f4"), ("y", "f4")]),
        np.ones((60, 99), dtype=bool),
        np.ones((60, 99), dtype=complex),
    ],
    ids=["fields", "bool", "complex"],
)
def test_an_array_of_no_real_numbers_is_refused_with_the_file_named(tmp_path, capsys, array):
    """NumPy's cast error had come without the file's name; a bool array gave 8 "reps" and a
    complex one lost its imaginary part with a NumPy warning (review P)."""
    path = tmp_path / "odd.npy"
    np.save(path, array)
    assert main(["count", "--json", str(path)]) != 0
    (line,) = _json_lines(capsys.readouterr().out)
    assert line["error"].startswith("odd.npy: cannot be read as a pose array")


@pytest.mark.slow
def test_a_clip_of_another_exercise_says_why_it_counts_none(shared_data, pose_cache_dir, tmp_path, capsys):
    """A curl counted as squats printed a bare "0 reps" (review P); the library knew why."""
    from analysis.cache import TrackCache
    from analysis.pose import extract_pose

    track = extract_pose(
        shared_data / "clips" / "curl_side_formfit_1.mp4", workers=1, cache=TrackCache(pose_cache_dir)
    )
    path = tmp_path / "curl.npz"
    track.save(path)
    assert main(["count", "--json", "--exercise", "squat", str(path)]) == 0
    (line,) = _json_lines(capsys.readouterr().out)
    assert line["count"] == 0 and "does not look like this exercise" in line["none_because"]
    assert main(["count", "--exercise", "squat", str(path)]) == 0
    assert "0 reps (auto, on left_knee + right_knee angle: " in capsys.readouterr().out
    assert main(["count", "--json", str(path)]) == 0  # counted as what it is: no reason needed
    (line,) = _json_lines(capsys.readouterr().out)
    assert line["count"] > 0 and "none_because" not in line


def test_a_failing_path_is_named_once_in_the_text_output(tmp_path, capsys):
    """ "x.npy: error: x.npy: no such file" named the path twice (review P)."""
    missing = tmp_path / "missing.npy"
    assert main(["count", str(missing)]) == 1
    assert capsys.readouterr().err == f"{missing}: error: no such file\n"


def test_a_video_says_before_the_optical_flow_pass_that_it_reads_every_frame_again(
    pose_cache_dir, sample_squat_track, capsys
):
    """After "pose: 100%" the flow counter read a 3-minute clip again for 54 s with nothing on
    the screen (review AE): it is said before it starts, with the option that skips it."""
    from tests.conftest import SAMPLE_VIDEOS

    video = str(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4")
    options = ["--workers", "1", "--cache-dir", str(pose_cache_dir)]  # the fixture's cached track
    assert main(["count", *options, video]) == 0
    captured = capsys.readouterr()
    assert "flow squat_side_rohanx01_1.mp4: the optical-flow counter reads every frame again" in captured.err
    assert "--no-flow skips it" in captured.err and "flow " in captured.out  # it did run
    assert main(["count", "--no-flow", *options, video]) == 0
    assert "optical-flow" not in capsys.readouterr().err
