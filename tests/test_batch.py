"""Batch runs on real clips: summary rows, failures listed, resume, joblib and Dask alike."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.batch import (
    SUMMARY_FIELDS,
    BatchAnalyser,
    clip_folder,
    find_clips,
    plan_workers,
    read_summary,
)
from analysis.cache import TrackCache, file_hash
from analysis.counting import count_reps
from analysis.pose import DEFAULT_CHUNKS, extract_pose
from analysis.track import PoseTrack

REPO = Path(__file__).resolve().parents[1]
CLIPS = ("squat_side_rohitkeshav27_1.mp4", "jumpingjack_front_afrl_1.mp4", "curl_side_rohitkeshav27_1.mp4")


@pytest.fixture
def clip_dir(shared_data, tmp_path) -> Path:
    """Three short real clips and a file that only pretends to be a video."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in CLIPS:
        shutil.copy(shared_data / "clips" / name, folder / name)
    (folder / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    return folder


def _by_name(rows) -> dict:
    return {os.path.basename(row["path"] if isinstance(row, dict) else row.path): row for row in rows}


def test_find_clips_takes_folders_globs_and_files(tmp_path):
    (tmp_path / "a").mkdir()
    # a camcorder's .MTS too: it was skipped, and the run said "no clips found" (review S)
    for name in ("a/one.mp4", "a/two.MOV", "a/notes.txt", "a/zz00001.MTS", "three.mp4"):
        (tmp_path / name).write_bytes(b"x")
    folder = [p.name for p in find_clips(tmp_path)]
    assert folder == ["one.mp4", "two.MOV", "zz00001.MTS", "three.mp4"]  # recursive, video suffixes only
    assert [p.name for p in find_clips(str(tmp_path / "a" / "*"))] == [
        "notes.txt", "one.mp4", "two.MOV", "zz00001.MTS"
    ]  # fmt: skip
    both = find_clips([tmp_path / "three.mp4", str(tmp_path / "**" / "*.mp4")])
    assert [p.name for p in both] == ["one.mp4", "three.mp4"]  # no duplicates


def test_plan_workers_keeps_every_clip_in_the_dashboards_chunks():
    assert plan_workers(n_clips=10, workers=2) == (2, DEFAULT_CHUNKS)  # clips in parallel
    assert plan_workers(n_clips=1, workers=2) == (1, DEFAULT_CHUNKS)
    assert plan_workers(n_clips=3, workers=1) == (1, DEFAULT_CHUNKS)
    for clips in range(1, 6):
        for workers in range(1, 5):
            jobs, per_clip = plan_workers(clips, workers)
            assert 1 <= jobs <= min(clips, workers) and per_clip == DEFAULT_CHUNKS


@pytest.mark.slow
def test_batch_writes_results_lists_failures_and_resumes(clip_dir, pose_cache_dir, tmp_path):
    outdir = tmp_path / "out"
    seen = []
    BatchAnalyser(workers=2, cache=TrackCache(pose_cache_dir)).run(
        clip_dir, outdir, progress=lambda done, total, r: seen.append((done, total, r.status))
    )
    assert [s[0] for s in seen] == [1, 2, 3, 4] and all(s[1] == 4 for s in seen)

    rows = _by_name(read_summary(outdir / "summary.csv"))
    assert list(read_summary(outdir / "summary.csv")[0]) == list(SUMMARY_FIELDS)
    assert set(rows) == {*CLIPS, "corrupt.mp4"}
    bad = rows["corrupt.mp4"]
    assert bad["status"] == "failed" and "corrupt.mp4" in bad["error"] and bad["count"] == ""
    for name in CLIPS:
        row = rows[name]
        assert row["status"] == "ok" and row["error"] == ""
        folder = clip_folder(outdir, clip_dir / name, file_hash(clip_dir / name))
        track = PoseTrack.load(folder / "track.npz")
        counts = json.loads((folder / "counts.json").read_text())
        assert int(row["frames"]) == len(track) > 0
        assert float(row["detection_rate"]) == pytest.approx(track.detection_rate, abs=1e-4)
        assert int(row["count"]) == counts["count"] == len(counts["reps"])
        assert counts["algorithms"]["peaks"] == counts["count"] == count_reps(track).count
        assert [r["bottom_s"] for r in counts["reps"]] == [
            r.to_dict()["bottom_s"] for r in count_reps(track).reps
        ]
        assert not (folder / "verdicts.json").exists()  # exercise not given: no form check

    stamps = {p: p.stat().st_mtime_ns for p in outdir.rglob("*.npz")}
    again = BatchAnalyser(workers=2, cache=TrackCache(pose_cache_dir)).run(clip_dir, outdir)
    statuses = {name: r.status for name, r in _by_name(again.results_).items()}
    assert statuses == {**dict.fromkeys(CLIPS, "skipped"), "corrupt.mp4": "failed"}
    assert {p: p.stat().st_mtime_ns for p in outdir.rglob("*.npz")} == stamps  # nothing rewritten
    resumed = _by_name(read_summary(outdir / "summary.csv"))
    assert all(resumed[n]["count"] == rows[n]["count"] for n in CLIPS)
    # and what each clip cost when it ran (a skipped row said 0.0)
    assert all(resumed[n]["seconds"] == rows[n]["seconds"] and float(rows[n]["seconds"]) > 0 for n in CLIPS)

    # new settings are a new analysis, not a stale skip
    squat = BatchAnalyser(workers=1, exercise="squat", cache=TrackCache(pose_cache_dir))
    squat.run(clip_dir / CLIPS[0], outdir)
    assert squat.results_[0].status == "ok"
    # a clip that counts no squat says why in its row (it had an empty warning: review P)
    jacks = BatchAnalyser(workers=1, exercise="squat", cache=TrackCache(pose_cache_dir)).run(
        clip_dir / CLIPS[1], outdir
    )
    assert jacks.results_[0].count == 0 and "does not look like this exercise" in jacks.results_[0].warning


@pytest.mark.slow
def test_clips_run_at_once_get_the_dashboards_tracks(shared_data, pose_cache_dir, tmp_path):
    """Two squat clips long enough for time chunks, analysed at once: each keeps the chunked
    track the dashboard and `extract` make of it (a single pass moved two of the six verdicts)."""
    names = ("squat_side_formfit_1.mp4", "squat_sidethenfront_ikramaliokz_1.mp4")
    run = BatchAnalyser(workers=2, exercise="squat", cache=TrackCache(pose_cache_dir)).run(
        [shared_data / "clips" / name for name in names], tmp_path
    )
    assert [r.status for r in run.results_] == ["ok", "ok"]
    for name, result in zip(names, run.results_):
        track = PoseTrack.load(Path(result.folder) / "track.npz")
        alone = extract_pose(
            shared_data / "clips" / name, workers=DEFAULT_CHUNKS, cache=TrackCache(pose_cache_dir)
        )
        assert len(track.meta["chunk_starts_s"]) == DEFAULT_CHUNKS
        assert track.meta["chunk_starts_s"] == alone.meta["chunk_starts_s"]
        assert np.array_equal(track.landmarks, alone.landmarks, equal_nan=True)


@pytest.mark.slow
def test_a_rerun_never_leaves_files_of_two_runs_behind_one_record(
    shared_data, pose_cache_dir, tmp_path, monkeypatch
):
    """A squat run killed after rewriting counts.json left the earlier run's record in place,
    so a resume skipped the clip with the new counts under the old record; and a run without
    the exercise left the squat run's verdicts beside its own counts."""
    import analysis.batch as batch

    clip = shared_data / "clips" / "squat_sidethenfront_ikramaliokz_1.mp4"  # 2 reps automatic, 3 as squats
    cache = TrackCache(pose_cache_dir)
    first = BatchAnalyser(cache=cache).run(clip, tmp_path).results_[0]
    folder = Path(first.folder)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the run stops here: counts.json is already the squat run's

    monkeypatch.setattr(batch, "_write_squat_files", killed)
    with pytest.raises(KeyboardInterrupt):
        BatchAnalyser(exercise="squat", cache=cache).run(clip, tmp_path)
    monkeypatch.undo()
    again = BatchAnalyser(cache=cache).run(clip, tmp_path).results_[0]
    assert again.status == "ok"  # analysed again, not skipped on the old record
    assert json.loads((folder / "counts.json").read_text())["count"] == again.count == first.count

    squat = BatchAnalyser(exercise="squat", cache=cache).run(clip, tmp_path).results_[0]
    assert (folder / "verdicts.json").exists() and squat.count != first.count
    plain = BatchAnalyser(cache=cache).run(clip, tmp_path).results_[0]
    assert not any((folder / name).exists() for name in ("verdicts.json", "verdicts.csv", "report.html"))
    record = json.loads((folder / "result.json").read_text())
    assert record["files"] == ["track.npz", "counts.json"] and record["count"] == plain.count


@pytest.mark.slow
def test_squat_batch_writes_form_verdicts(shared_data, pose_cache_dir, tmp_path):
    clip = shared_data / "clips" / CLIPS[0]
    run = BatchAnalyser(exercise="squat", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path)
    result = run.results_[0]
    verdicts = json.loads((Path(result.folder) / "verdicts.json").read_text())
    assert result.status == "ok" and len(verdicts) == result.count
    assert result.n_good + result.n_faulty + result.n_unjudged == result.count
    raw = (Path(result.folder) / "verdicts.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())  # as the page's download: "°" reads right in a spreadsheet
    table = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [row["label"] for row in table] == [v["label"] for v in verdicts]
    report = (Path(result.folder) / "report.html").read_text(encoding="utf-8")
    assert report.count('class="card"') == result.count == report.count("data:image/jpeg;base64,")


@pytest.mark.slow
def test_a_squat_batch_says_how_many_reps_went_unjudged(shared_data, pose_cache_dir, tmp_path):
    """squat_side_formfit_3: three squats, the lifter hidden behind the plates around the
    bottoms of the last two (tests/test_form.py). The summary read "count 3, good 1, faulty
    1", and a coach looked for the third (review N)."""
    clip = shared_data / "clips" / "squat_side_formfit_3.mp4"
    result = BatchAnalyser(exercise="squat", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path).results_[0]
    assert (result.count, result.n_unjudged) == (3, 2)
    assert result.n_good + result.n_faulty + result.n_unjudged == result.count
    (row,) = read_summary(tmp_path / "summary.csv")
    assert row["n_unjudged"] == "2"
    resumed = (
        BatchAnalyser(exercise="squat", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path).results_[0]
    )
    assert resumed.status == "skipped" and resumed.n_unjudged == 2


@pytest.mark.slow
def test_a_squat_batch_judges_at_the_strictness_asked_and_resumes_by_it(
    shared_data, pose_cache_dir, tmp_path, capsys
):
    """``batch --exercise squat`` judged at 0.5 whatever was wanted, while the Squat form page,
    ``form`` and ``render`` take a strictness (review K). A run at another strictness is
    another result: it is not resumed from the 0.5 one."""
    from analysis.cli import main

    clip = shared_data / "clips" / CLIPS[0]
    common = [str(clip), "-o", str(tmp_path), "--exercise", "squat", "--cache-dir", str(pose_cache_dir)]
    assert main(["batch", *common]) == 0
    assert main(["batch", *common]) == 0
    statuses = [row["status"] for row in csv.DictReader((tmp_path / "summary.csv").read_text().splitlines())]
    assert statuses == ["skipped"]  # resumed at the same (default) strictness
    assert main(["batch", *common, "--strictness", "1"]) == 0  # not resumed: judged again
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    verdicts = json.loads((folder / "verdicts.json").read_text())
    assert verdicts and all(v["p_good_needed"] == pytest.approx(0.7) for v in verdicts)
    rows = list(csv.DictReader((tmp_path / "summary.csv").read_text().splitlines()))
    assert rows[0]["status"] == "ok"  # analysed, not "skipped"
    assert main(["batch", *common, "--strictness", "1.5"]) == 2
    assert "strictness 1.5: must be between 0 and 1" in capsys.readouterr().err


@pytest.mark.slow
def test_a_squat_batch_counts_squats_as_the_history_does(
    shared_data, pose_cache_dir, tmp_path, capsys, monkeypatch
):
    """12 squats, then the lifter drops into push-ups: on the knee angle that is a 13th
    "rep", which the form check calls not a squat. The History saves 12; the batch summary
    said 13, and `form` printed "13 reps"."""
    from analysis.cli import main

    clip = shared_data / "clips" / "squat_front_rjsong_1.mp4"
    run = BatchAnalyser(exercise="squat", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path)
    (result,) = run.results_
    verdicts = json.loads((Path(result.folder) / "verdicts.json").read_text())
    others = [v for v in verdicts if v["label"] == "not a squat"]
    assert others and result.count == len(verdicts) - len(others) == 12  # clips.tsv: 12
    counts = json.loads((Path(result.folder) / "counts.json").read_text())
    assert (counts["count"], counts["squat_count"]) == (len(verdicts), 12)  # the folder says both
    monkeypatch.setenv("REPLAB_CACHE_DIR", str(pose_cache_dir))  # the track the batch made
    assert main(["form", str(clip)]) == 0
    assert "12 squats (and 1 movement that is not a squat)" in capsys.readouterr().out


@pytest.mark.slow
def test_dask_cluster_gives_the_same_results_as_joblib(clip_dir, pose_cache_dir, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    local = BatchAnalyser(workers=2, cache=TrackCache(pose_cache_dir)).run(clip_dir, tmp_path / "local")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        # the workers started in another folder: relative paths must not reach them as such
        monkeypatch.chdir(tmp_path)
        remote = BatchAnalyser(scheduler=cluster.scheduler_address, cache=TrackCache(pose_cache_dir))
        remote.run(clip_dir.name, "dask")
    for result in remote.results_:
        # the clip as the user named it, as a local run records it (the workers got absolute paths)
        assert result.path.startswith(clip_dir.name + os.sep), result.path
        if result.status == "ok":
            assert Path(result.folder).parent == tmp_path / "dask"
            assert json.loads((Path(result.folder) / "counts.json").read_text())["path"] == result.path
    ours, theirs = _by_name(local.results_), _by_name(remote.results_)
    assert set(ours) == set(theirs) == {*CLIPS, "corrupt.mp4"}
    for name in ours:
        assert (theirs[name].status, theirs[name].count, theirs[name].frames) == (
            ours[name].status, ours[name].count, ours[name].frames,
        )  # fmt: skip
    assert theirs["corrupt.mp4"].status == "failed"


@pytest.mark.slow
def test_cli_batch_reports_progress_and_failures(clip_dir, pose_cache_dir, tmp_path):
    outdir = tmp_path / "cli"
    command = [sys.executable, "-m", "analysis", "batch", str(clip_dir / "*.mp4"), "-o", str(outdir)]
    command += ["--cache-dir", str(pose_cache_dir), "--workers", "1"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1  # one clip failed; the run still finished
    assert "[4/4]" in done.stderr and "FAILED" in done.stderr and "3 analysed" in done.stderr
    rows = read_summary(outdir / "summary.csv")
    assert sorted(r["status"] for r in rows) == ["failed", "ok", "ok", "ok"]


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_clip_runs(tmp_path):
    from analysis.errors import RepLabError

    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "taken").write_text("a file, not a folder")
    for outdir in (tmp_path / "taken", tmp_path / "taken" / "sub"):
        with pytest.raises(RepLabError, match="cannot write results to"):
            BatchAnalyser().run(tmp_path / "a.mp4", outdir)
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "batch", str(tmp_path / "a.mp4"), "-o", str(tmp_path / "taken")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: cannot write results to")


def test_an_unreachable_scheduler_is_one_readable_error(tmp_path):
    dask = pytest.importorskip("dask")
    from analysis.errors import RepLabError

    (tmp_path / "a.mp4").write_bytes(b"x")
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(RepLabError, match="cannot reach the Dask scheduler"),
    ):
        BatchAnalyser(scheduler="tcp://127.0.0.1:1").run(tmp_path / "a.mp4", tmp_path / "out")


@pytest.mark.slow
def test_dask_workers_that_cannot_run_replab_are_one_error_before_any_clip(clip_dir, tmp_path, monkeypatch):
    """Workers started where the package cannot be imported (a shared cluster) failed every
    clip, each a "failed" row holding a four-line deserialisation message, with exit code 1;
    with the scheduler where it imports, each clip waited for ever."""
    distributed = pytest.importorskip("distributed")
    import time

    from analysis import batch
    from analysis.errors import RepLabError

    monkeypatch.setattr(batch, "PROBE_TIMEOUT_S", 10.0)

    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tcp://", dashboard_address=None
    ) as cluster:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
             "--nthreads", "1", "--no-dashboard"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not cluster.scheduler_info["workers"] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert cluster.scheduler_info["workers"], "the worker did not start"
            with pytest.raises(RepLabError, match="cannot run RepLab") as raised:
                BatchAnalyser(scheduler=cluster.scheduler_address).run(clip_dir, tmp_path / "out")
            assert "\n" not in str(raised.value)
            assert not (tmp_path / "out" / "summary.csv").exists()  # no clip was tried
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def test_a_named_clip_that_is_missing_is_a_failed_row_and_an_empty_pattern_is_named(tmp_path):
    (tmp_path / "broken.mp4").write_bytes(b"x")
    run = BatchAnalyser().run(
        [tmp_path / "broken.mp4", tmp_path / "no_such_clip.mp4", str(tmp_path / "typo" / "*.mp4")],
        tmp_path / "out",
    )
    rows = _by_name(run.results_)
    assert (
        rows["no_such_clip.mp4"].status == "failed" and "no_such_clip.mp4" in rows["no_such_clip.mp4"].error
    )
    assert run.unmatched_ == [str(tmp_path / "typo" / "*.mp4")]
    assert all(row["folder"] == "" for row in read_summary(tmp_path / "out" / "summary.csv"))  # none analysed


def test_an_exercise_resumes_under_any_of_its_names(shared_data, pose_cache_dir, tmp_path):
    """ "Squat" and "squats" name the squat preset, but each stored its results apart, so a
    resumed run analysed every clip again; "auto" was refused where `count` takes it."""
    clip = shared_data / "clips" / CLIPS[0]
    first = BatchAnalyser(exercise="squat", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path)
    assert first.results_[0].status == "ok"
    for name in ("Squat", "squats", " squat "):
        again = BatchAnalyser(exercise=name, cache=TrackCache(pose_cache_dir)).run(clip, tmp_path)
        assert again.results_[0].status == "skipped", name
    auto = BatchAnalyser(exercise="auto", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path / "auto")
    plain = BatchAnalyser(cache=TrackCache(pose_cache_dir)).run(clip, tmp_path / "auto")
    assert (auto.results_[0].status, plain.results_[0].status) == ("ok", "skipped")


def test_an_unknown_exercise_is_refused_before_any_clip_runs(tmp_path):
    from analysis.errors import RepLabError

    (tmp_path / "a.mp4").write_bytes(b"x")
    with pytest.raises(RepLabError, match="unknown exercise"):
        BatchAnalyser(exercise="pushupz").run(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_one_clip_at_a_time_reports_its_pose_pass(shared_data, pose_cache_dir, tmp_path):
    clip = shared_data / "clips" / CLIPS[0]
    calls = []
    run = BatchAnalyser(workers=1, cache=TrackCache(pose_cache_dir)).run(
        clip, tmp_path, frame_progress=lambda path, done, total: calls.append((path, done, total))
    )
    frames = run.results_[0].frames
    assert calls and calls[-1] == (str(clip), frames, frames)
    assert all(path == str(clip) and 0 < done <= total for path, done, total in calls)


def test_an_unexpected_error_keeps_its_traceback_in_the_run_folder(tmp_path):
    """A clip that fails for no fault of its own (a bug) is still one failed row, and the
    summary points at ``errors.log``, which holds where it happened (review K: the
    traceback had been dropped)."""
    from analysis.batch import ERRORS_LOG, unexpected_error_logged

    def parse(record):
        return record["count"]

    try:
        parse({"counts": 3})
    except KeyError:
        words = unexpected_error_logged(tmp_path, "clips/a.mp4")
    assert words == f" (unexpected; traceback in {ERRORS_LOG})"
    log = (tmp_path / ERRORS_LOG).read_text()
    assert log.startswith("--- clips/a.mp4 (") and "Traceback (most recent call last)" in log
    assert 'return record["count"]' in log and "KeyError: 'count'" in log
    assert unexpected_error_logged(tmp_path / "no_such_folder", "b.mp4") == ""  # no log, no claim


def test_the_bar_redrawn_in_place_fits_one_row_of_the_terminal(monkeypatch):
    """A cut-short clip's warning made the bar's line about 250 characters: on an 80-column
    terminal it wrapped, ``\\r\\033[K`` cleared only its last row, and each redraw left the
    rows above it behind (review Y). The warning is still printed whole, on its own line."""
    import io

    from analysis.batch import ClipResult
    from analysis.cli.batch import ClipProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", "80")
    screen = Terminal()
    bar = ClipProgress(stream=screen)
    warning = "the file stops at 9.3 s of the 15.3 s its header announces: it was probably cut short " * 2
    bar.frames("/season/week 1/a clip with a rather long name of its own, from the phone.mp4", 10, 900)
    bar(1, 2, ClipResult(path="/season/truncated squat.mp4", status="ok", count=3, warning=warning))
    bar(2, 2, ClipResult(path="/season/set 1.mp4", status="ok", count=7))
    text = screen.getvalue()
    whole_lines = [line.rsplit("\r\033[K", 1)[-1] for line in text.split("\n")[:-1]]
    assert any(warning.strip() in line for line in whole_lines)  # said whole, above the bar
    redrawn = [part.split("\n")[0] for part in text.split("\r\033[K")[1:]]
    bar_rows = [part for part in redrawn if part.startswith("batch")]
    assert len(bar_rows) == 3 and all(len(part) < 80 for part in bar_rows), bar_rows


@pytest.mark.slow
def test_a_squat_run_says_why_a_clip_whose_movements_are_no_squats_counts_none(
    shared_data, pose_cache_dir, tmp_path
):
    """A push-up clip in a squat run: the counter finds movements on the knee angle, the form
    check calls every one "not a squat", and the row said "0 reps" and nothing else, while a
    curl's row said why (review Y)."""
    clip = shared_data / "clips" / "pushup_front_dollarpy_5.mp4"
    (result,) = BatchAnalyser(exercise="squat", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path).results_
    verdicts = json.loads((Path(result.folder) / "verdicts.json").read_text())
    assert verdicts and {v["label"] for v in verdicts} == {"not a squat"}
    assert result.status == "ok" and result.count == 0
    assert f"the clip shows {len(verdicts)} movements, and none of them looks like a squat" in result.warning


@pytest.mark.slow
def test_a_new_form_model_is_not_resumed_from_the_old_ones_verdicts(
    shared_data, pose_cache_dir, tmp_path, monkeypatch
):
    """`train-form` rewrites models/squat_form.joblib in place; a squat run resumed after it
    skipped every clip and kept the old model's verdicts (review Y)."""
    import analysis.form.verdict as verdict

    clip = shared_data / "clips" / CLIPS[0]
    model = tmp_path / "squat_form.joblib"
    shutil.copy(verdict.DEFAULT_MODEL_PATH, model)
    monkeypatch.setattr(verdict, "DEFAULT_MODEL_PATH", model)

    def run():
        return BatchAnalyser(exercise="squat", cache=TrackCache(pose_cache_dir)).run(clip, tmp_path / "out")

    assert run().results_[0].status == "ok"
    assert run().results_[0].status == "skipped"  # the same model: resumed
    with open(model, "ab") as handle:  # another model file (joblib reads the pickle and stops)
        handle.write(b"\0")
    assert run().results_[0].status == "ok"  # judged again
    assert run().results_[0].status == "skipped"


@pytest.mark.slow
def test_counts_json_warns_of_a_file_cut_short_as_count_json_does(
    shared_data, pose_cache_dir, tmp_path, capsys, monkeypatch
):
    """counts.json is documented as `count --json`'s output, which says where a file cut
    short stops; counts.json said nothing, only the summary did (review Y)."""
    from analysis.cli import main

    clip = tmp_path / "cut short.mp4"
    clip.write_bytes((shared_data / "clips" / "squat_side_tommyhillphyga_1.mp4").read_bytes()[:600_000])
    (result,) = BatchAnalyser(cache=TrackCache(pose_cache_dir)).run(clip, tmp_path / "out").results_
    counts = json.loads((Path(result.folder) / "counts.json").read_text())
    monkeypatch.setenv("REPLAB_CACHE_DIR", str(pose_cache_dir))
    assert main(["count", "--json", str(clip)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "cut short" in printed["warning"]
    assert counts["warning"] == printed["warning"] == result.warning


def test_one_file_under_one_name_in_two_folders_is_analysed_once(clip_dir, pose_cache_dir, tmp_path):
    """The same clip copied into two folders shares one output folder: the second row was
    "skipped" in a local run and written over the first in a Dask one, and its counts.json
    named whichever path came last (review Y). It is analysed once; both rows say so."""
    from analysis.batch import same_files

    copy = clip_dir / "again" / CLIPS[2]
    copy.parent.mkdir()
    shutil.copyfile(clip_dir / CLIPS[2], copy)
    renamed = clip_dir / "renamed.mp4"  # the same bytes under another name: a folder of its own
    shutil.copyfile(clip_dir / CLIPS[2], renamed)
    paths = find_clips(clip_dir)
    earlier, later = sorted((paths.index(copy), paths.index(clip_dir / CLIPS[2])))
    assert same_files(paths) == {later: earlier}  # the later copy of the file first in the list
    seen = []
    run = BatchAnalyser(workers=2, cache=TrackCache(pose_cache_dir)).run(
        clip_dir, tmp_path / "out", progress=lambda done, total, r: seen.append((done, total))
    )
    assert seen == [(n, 6) for n in range(1, 7)]
    rows = {r.path: r for r in run.results_}
    first, twin = rows[os.fspath(paths[earlier])], rows[os.fspath(paths[later])]
    assert first.status == twin.status == "ok" and first.count == twin.count and first.folder == twin.folder
    assert "the same file as" in twin.warning and "the same file" not in first.warning
    assert json.loads((Path(first.folder) / "counts.json").read_text())["path"] == first.path
    assert rows[os.fspath(renamed)].folder != first.folder and rows[os.fspath(renamed)].status == "ok"
    assert len(read_summary(tmp_path / "out" / "summary.csv")) == 6


def test_clips_are_named_from_the_folder_the_inputs_share():
    """By file name alone, a/set.mp4 and b/set.mp4 were two alike progress lines."""
    from analysis.batch import shown_names

    season = os.path.abspath("season")
    names = shown_names([Path("season/week 1/set.mp4"), Path("season/week 2/set.mp4"), "season/week 2/x.mov"])
    assert names == {
        os.path.join(season, "week 1", "set.mp4"): os.path.join("week 1", "set.mp4"),
        os.path.join(season, "week 2", "set.mp4"): os.path.join("week 2", "set.mp4"),
        os.path.join(season, "week 2", "x.mov"): os.path.join("week 2", "x.mov"),
    }
    assert list(shown_names(["season/week 1/set.mp4", "season/week 1/x.mov"]).values()) == [
        "set.mp4",
        "x.mov",
    ]
    assert list(shown_names(["/elsewhere/one.mp4"]).values()) == ["one.mp4"]
    assert shown_names([]) == {}


def test_cli_batch_tells_two_clips_of_one_name_in_two_folders_apart(shared_data, pose_cache_dir, tmp_path):
    """Two different clips, both named set.mp4, one in week1/ and one in week2/: the progress
    lines said "[1/2] set.mp4: ok, 1 rep" and "[2/2] set.mp4: ok, 1 rep"."""
    inputs = tmp_path / "season"
    for week, name in (("week1", CLIPS[0]), ("week2", CLIPS[2])):
        (inputs / week).mkdir(parents=True)
        shutil.copy(shared_data / "clips" / name, inputs / week / "set.mp4")
    command = [sys.executable, "-m", "analysis", "batch", str(inputs / "week1"), str(inputs / "week2")]
    command += ["-o", str(tmp_path / "out"), "--cache-dir", str(pose_cache_dir), "--workers", "1"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert [line.split(": ")[0] for line in lines] == [
        f"[1/2] {os.path.join('week1', 'set.mp4')}",
        f"[2/2] {os.path.join('week2', 'set.mp4')}",
    ], done.stderr


def test_the_bar_names_a_clip_by_its_path_from_the_shared_folder_in_one_row(monkeypatch):
    """On a terminal too, within the row the bar is cut to: a long path loses its start, not
    the clip's status after it (which read "ok, 7 r…")."""
    import io

    from analysis.batch import ClipResult, shown_names
    from analysis.cli.batch import ClipProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", "80")
    screen = Terminal()
    paths = ["/season/week 1/set.mp4", "/season/week 2/set.mp4"]
    bar = ClipProgress(stream=screen, names=shown_names(paths))
    bar.frames(paths[1], 10, 900)
    bar(1, 2, ClipResult(path=paths[0], status="failed", error="set.mp4: cannot read the file."))
    bar(2, 2, ClipResult(path=paths[1], status="ok", count=7))
    text = screen.getvalue()
    assert "week 2/set.mp4: pose 10/900 frames" in text
    assert "\r\033[Kweek 1/set.mp4: FAILED: set.mp4: cannot read the file.\n" in text  # said whole
    bar_rows = [part.split("\n")[0] for part in text.split("\r\033[K")[1:] if part.startswith("batch")]
    # the path gives way to the status: "ok, 7 reps" is said whole, the path kept to its end
    assert bar_rows[-1].endswith("2/set.mp4: ok, 7 reps") and "…" in bar_rows[-1], bar_rows
    assert all(len(row) < 80 for row in bar_rows), bar_rows


def test_the_cli_looks_for_the_clips_once(tmp_path, monkeypatch, capsys):
    """The progress lines' names came from one walk of the folders and the run from a second:
    a clip copied in between was analysed without being named (or named and not analysed)."""
    from analysis.cli import main

    folder = tmp_path / "season"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"not a video")
    walks = []
    rglob = Path.rglob

    def walk_and_copy_one_in(self, pattern, *args, **kwargs):
        found = list(rglob(self, pattern, *args, **kwargs))
        walks.append(self)
        (folder / f"late{len(walks)}.mp4").write_bytes(b"not a video either")  # copied in after
        return iter(found)

    monkeypatch.setattr(Path, "rglob", walk_and_copy_one_in)
    assert main(["batch", str(folder), "-o", str(tmp_path / "out"), "--workers", "1"]) == 1  # a.mp4 failed
    assert walks == [folder]
    named = [line.split(": ")[0] for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    assert named == ["[1/1] a.mp4"]
    assert [Path(row["path"]).name for row in read_summary(tmp_path / "out" / "summary.csv")] == ["a.mp4"]


def test_found_clips_run_as_found_and_as_filtered(tmp_path, monkeypatch):
    """The two-step API: find (and look at, or filter) the clips, then run exactly that list."""
    import dataclasses

    from analysis.batch import gather_clips

    for name in ("keep.mp4", "drop.mp4"):
        (tmp_path / "clips" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "clips" / name).write_bytes(b"not a video")
    typo = str(tmp_path / "typo" / "*.mp4")
    found = gather_clips([tmp_path / "clips", typo])
    assert [p.name for p in found.paths] == ["drop.mp4", "keep.mp4"] and found.unmatched == (typo,)
    kept = dataclasses.replace(found, paths=tuple(p for p in found.paths if p.name == "keep.mp4"))
    (tmp_path / "clips" / "new.mp4").write_bytes(b"copied in after the clips were found")
    monkeypatch.setattr(Path, "rglob", lambda *a, **k: pytest.fail("the folders were walked again"))
    run = BatchAnalyser().run(kept, tmp_path / "out")
    assert [Path(r.path).name for r in run.results_] == ["keep.mp4"] and run.unmatched_ == [typo]


def test_the_summary_opens_in_a_spreadsheet_with_accented_names(tmp_path):
    """Without a byte-order mark Excel on Windows reads summary.csv in the local code page and
    "José_sentadilla.mp4" shows as "JosÃ©_sentadilla.mp4"; ``read_summary`` still reads it."""
    names = ["José_sentadilla.mp4", "Übung.mp4"]
    for name in names:
        (tmp_path / name).write_bytes(b"not a video")
    BatchAnalyser().run([tmp_path / name for name in names], tmp_path / "out")
    data = (tmp_path / "out" / "summary.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfpath,status,")
    rows = read_summary(tmp_path / "out" / "summary.csv")
    assert sorted(Path(row["path"]).name for row in rows) == sorted(names)
    assert all(row["status"] == "failed" for row in rows)


def test_a_second_run_on_an_output_folder_in_use_is_refused_and_a_killed_one_blocks_nothing(tmp_path):
    """Two runs on one OUTDIR at once each analysed every clip and replaced each other's
    summary; the lock is the operating system's, so it goes with the process that held it."""
    from analysis.batch import LOCK_FILE
    from analysis.errors import RepLabError

    (tmp_path / "a.mp4").write_bytes(b"not a video")
    outdir = tmp_path / "out"
    outdir.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(outdir / LOCK_FILE)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RepLabError, match=rf"another batch run \(process {holder.pid}\) is writing to"):
            BatchAnalyser().run(tmp_path / "a.mp4", outdir)
        assert not (outdir / "summary.csv").exists()  # refused before any clip
    finally:
        holder.kill()
        holder.wait(timeout=30)
    run = BatchAnalyser().run(tmp_path / "a.mp4", outdir)  # killed: its lock went with it
    assert [r.status for r in run.results_] == ["failed"] and (outdir / "summary.csv").exists()


# another run's hold on an output folder, as ``batch._only_run`` takes it
HOLD_THE_LOCK = """
import os, sys, time
from analysis.files import try_lock
handle = open(sys.argv[1], "a+", encoding="utf-8")
handle.seek(0)
assert try_lock(handle)
handle.write(str(os.getpid())); handle.flush()
print("locked", flush=True)
time.sleep(120)
"""
