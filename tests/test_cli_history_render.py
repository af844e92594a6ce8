"""``python -m analysis history``, ``render`` and ``count --set``: the app's save, history,
annotated video and counter settings from the command line, on real clips, real MediaPipe
tracks and a real SQLite file in tmp_path."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from analysis.cli import main
from analysis.history import HistoryStore
from tests.conftest import REPO_ROOT, SAMPLE_VIDEOS

SHORT_SQUAT = "squat_side_rohitkeshav27_1.mp4"  # 2.9 s, one squat
JUMPING_JACKS = "jumpingjack_front_afrl_1.mp4"  # 4.2 s, three jumping jacks


@pytest.fixture
def cli(pose_cache_dir, capsys, monkeypatch):
    """``python -m analysis ARGS`` in this process: (exit code, stdout, stderr)."""

    def run(*args) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    monkeypatch.setenv("REPLAB_CACHE_DIR", str(pose_cache_dir))
    return run


def _pose_options(pose_cache_dir) -> list[str]:
    return ["--cache-dir", str(pose_cache_dir)]


# ---- history save ------------------------------------------------------------------------
def test_save_stores_the_squats_with_their_verdicts_and_only_once(cli, shared_data, tmp_path, pose_cache_dir):
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps
    from analysis.pose import extract_pose

    clip, db = shared_data / "clips" / SHORT_SQUAT, tmp_path / "history.sqlite3"
    save = ["history", "save", clip, "--athlete", "Zoë Müller", "--db", db, *_pose_options(pose_cache_dir)]
    code, out, err = cli(*save, "--notes", "heavy day")
    assert code == 0, err
    assert "saved for Zoë Müller as entry 1: 1 rep (squat)" in out  # not named: the clip shows squats
    (row,) = HistoryStore(db).sessions()
    track = extract_pose(clip, cache=TrackCache(pose_cache_dir))  # the CLI's track
    reps = count_reps(track, exercise="squat").reps
    verdicts = assess_squat_reps(track, reps, strictness=0.5)
    assert (row["exercise"], row["count"], row["notes"]) == ("squat", len(reps), "heavy day")
    assert row["clip_name"] == SHORT_SQUAT and row["clip_hash"] == track.source_hash
    assert [v["label"] for v in row["verdicts"]] == [v.label for v in verdicts]
    assert row["p_good_needed"] == pytest.approx(0.5)

    code, out, _ = cli(*save, "--notes", "heavy day")  # a second save: nothing new
    assert code == 0 and "already saved for Zoë Müller as entry 1; nothing new to save" in out
    code, _, err = cli(*save[:4], "zoë  müller", *save[5:], "--notes", "typo fixed")  # other notes
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        f"error: {SHORT_SQUAT}: already saved for Zoë Müller as entry 1, with other notes: change them "
        "with `python -m analysis history notes 1 TEXT`"
    )
    code, out, _ = cli(*save, "--notes", "heavy day", "--strictness", "0.9")  # a stricter bar is new
    assert code == 0 and "as entry 2" in out
    assert [s["p_good_needed"] for s in HistoryStore(db).sessions()] == pytest.approx([0.5, 0.66])


def test_save_refuses_what_the_page_refuses_with_one_error_line(cli, shared_data, tmp_path, pose_cache_dir):
    db = tmp_path / "history.sqlite3"
    jacks = shared_data / "clips" / JUMPING_JACKS
    options = ["--db", db, *_pose_options(pose_cache_dir)]
    code, _, err = cli("history", "save", jacks, "--athlete", "\u200b ", *options)  # an invisible name
    assert (code, err) == (2, "error: An athlete name is needed to save.\n")  # before any pose pass
    # a saved track has no pictures: said as such, not "not a video file RepLab can read" (review P)
    track = tmp_path / "jacks.npz"
    track.write_bytes(b"PK")
    for name, command in (
        ("history save", ("history", "save", track, "--athlete", "Ana", *options)),
        ("render", ("render", track, "-o", tmp_path / "a.mp4")),
    ):
        code, _, err = cli(*command)
        assert (code, err) == (2, f"error: jacks.npz: {name} needs the video, not a saved pose file\n")
    code, _, err = cli("history", "save", jacks, "--athlete", "Ana", "--exercise", "squats!", *options)
    assert code == 2 and err.startswith("error: unknown exercise 'squats!'") and "other" in err
    code, _, err = cli("history", "save", jacks, "--athlete", "Ana", "--exercise", "squat", *options)
    assert code == 2
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    assert line.startswith(
        "error: Not saved as squats: counted on the knee angle, the clip shows 3 movements"
    )
    assert not db.exists() or HistoryStore(db).sessions() == []
    code, out, err = cli("history", "save", jacks, "--athlete", "Ana", *options)  # not named: "other"
    assert code == 0, err
    (row,) = HistoryStore(db).sessions("ana")
    assert (row["exercise"], row["count"], row["verdicts"]) == ("other", 3, None)  # clips.tsv: 3


def test_save_analysis_names_the_exercise_as_the_presets_do_and_refuses_no_squats(
    shared_data, pose_cache_dir, tmp_path
):
    """``save_analysis`` took any text: "Squat" was saved beside "squat", without verdicts;
    and a curl whose knee movements the counter gates out entirely was stored as "0 squat
    reps" (review L)."""
    from analysis.cache import TrackCache
    from analysis.errors import RepLabError
    from analysis.pose import extract_pose
    from analysis.saving import NotSquatsError, save_analysis

    store = HistoryStore(tmp_path / "h.sqlite3")

    def track(name):
        return extract_pose(shared_data / "clips" / name, workers=2, cache=TrackCache(pose_cache_dir))

    squat = track(SHORT_SQUAT)
    outcome = save_analysis(store, squat, "Squat", "Ana")
    entry = store.session(outcome.entry_id)
    assert entry["exercise"] == "squat" and entry["verdicts"] and entry["count"] == 1
    with pytest.raises(RepLabError, match="unknown exercise 'yoga'.*or other"):
        save_analysis(store, squat, "yoga", "Ana")
    with pytest.raises(NotSquatsError, match="the clip shows no squat"):
        save_analysis(store, track("curl_side_rohitkeshav27_1.mp4"), "squat", "Ana")
    assert len(store.sessions()) == 1


def test_the_page_finds_the_entry_the_command_line_saved(cli, pose_cache_dir, tmp_path, monkeypatch):
    """The same clip saved from the command line and then with the Analyse page's defaults is
    one analysis: same count, reps, verdicts and bar, so the page says "Already saved"."""
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "history.sqlite3"
    sample = SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4"
    code, out, err = cli(
        "history", "save", sample, "--athlete", "Ana", "--db", db, *_pose_options(pose_cache_dir)
    )
    assert code == 0 and "saved for Ana as entry 1" in out, err
    monkeypatch.setenv("REPLAB_HISTORY_DB", str(db))
    monkeypatch.chdir(REPO_ROOT)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=240)
    at.run()
    at.text_input(key="_athlete").input("ana")
    next(b for b in at.button if b.label == "Save analysis").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [i.value for i in at.info if "saved" in i.value] == [
        "Already saved for Ana as entry 1; nothing new to save."
    ]
    assert len(HistoryStore(db).sessions()) == 1


# ---- history list, notes, delete, export -------------------------------------------------
REPS = [{"start_s": 1.0, "bottom_s": 2.0, "end_s": 3.0}, {"start_s": 3.5, "bottom_s": 4.5, "end_s": 5.5}]
VERDICTS = [
    {"index": 0, "label": "good", "good": True, "p_good_needed": 0.5},
    {"index": 1, "label": "no depth", "good": False, "p_good_needed": 0.5},
]


def _two_athletes(db) -> HistoryStore:
    store = HistoryStore(db)
    store.add_session("Zoë Müller", "a.mp4", "h1", "squat", 2, REPS, VERDICTS, notes="=SUM(A1)")
    store.add_session("Ben", "b.mp4", "h2", "push_up", 5, REPS)
    return store


def test_list_shows_the_sessions_as_the_history_page_does(cli, tmp_path):
    db = tmp_path / "history.sqlite3"
    _two_athletes(db)
    code, out, _ = cli("history", "list", "--db", db)
    assert code == 0
    header, zoe, ben = out.splitlines()
    assert header.split()[:3] == ["id", "date", "(local"]
    assert "Zoë Müller" in zoe and "1 of 2 good (p ≥ 0.50)" in zoe and zoe.endswith("=SUM(A1)")
    assert ben.split()[0] == "2" and "push_up" in ben
    code, out, _ = cli("history", "list", "--json", "--athlete", "ZOË  müller", "--db", db)  # one athlete
    (entry,) = json.loads(out)
    assert (entry["id"], entry["count"], entry["good_share"], entry["notes"]) == (1, 2, 0.5, "=SUM(A1)")
    code, out, err = cli("history", "list", "--db", tmp_path / "none.sqlite3")
    assert (code, out, err) == (0, "", "no saved analyses\n")


def test_notes_and_delete_change_one_entry(cli, tmp_path):
    db = tmp_path / "history.sqlite3"
    _two_athletes(db)
    assert cli("history", "notes", "1", "light day", "--db", db)[:2] == (0, "")
    assert HistoryStore(db).session(1)["notes"] == "light day"
    code, _, err = cli("history", "notes", "1", "light day", "--db", db)
    assert code == 0 and "as saved: nothing to change" in err
    code, _, err = cli("history", "delete", "2", "--db", db)
    assert code == 0 and err == "Deleted entry #2 (Ben, b.mp4). Ben has no saved analyses left.\n"
    assert [s["id"] for s in HistoryStore(db).sessions()] == [1]
    for action in (["delete", "2"], ["notes", "2", "x"]):
        code, _, err = cli("history", *action, "--db", db)
        assert code == 2 and err == f"error: entry #2 is not in the history {db}\n"


def test_show_gives_one_entry_rep_by_rep_as_the_history_page_does(cli, tmp_path):
    """The History page's "One session, rep by rep" (times, verdicts, reasons, faults) had no
    command: ``list`` gives one row per entry, and a script had to decode the stored verdicts."""
    db = tmp_path / "history.sqlite3"
    store = _two_athletes(db)
    verdicts = [{**v, "faults": [] if v["good"] else ["no depth"], "p_good": (0.8, 0.3)[i], "reason": f"reason {i}"}
                for i, v in enumerate(VERDICTS)]  # fmt: skip
    store.add_session("Zoë Müller", "c.mp4", "h3", "squat", 2, REPS, verdicts, notes="second  day")
    code, out, err = cli("history", "show", "3", "--db", db)
    assert code == 0, err
    head, *rest = out.splitlines()
    assert head.startswith("#3 Zoë Müller, ") and head.endswith(
        ", c.mp4: 2 squat reps; 1 of 2 good (p ≥ 0.50)"
    )
    assert rest == [
        "notes: second day",
        "faults: no depth in 1 rep",
        "rep 1 (start 1.00 s, bottom 2.00 s, end 3.00 s): good (p_good 0.80) - reason 0",
        "rep 2 (start 3.50 s, bottom 4.50 s, end 5.50 s): no depth (p_good 0.30) - reason 1",
    ]
    code, out, _ = cli("history", "show", "3", "--json", "--db", db)
    entry = json.loads(out)  # numbers as numbers, each verdict as saved
    assert (entry["id"], entry["athlete"], entry["count"], entry["good_share"]) == (3, "Zoë Müller", 2, 0.5)
    assert entry["faults"] == {"no depth": 1} and entry["reps"] == REPS
    assert [(v["label"], v["p_good"], v["reason"]) for v in entry["verdicts"]] == [
        ("good", 0.8, "reason 0"), ("no depth", 0.3, "reason 1"),
    ]  # fmt: skip
    code, out, _ = cli("history", "show", "2", "--db", db)  # no verdicts: the reps' times only
    assert code == 0 and out.splitlines()[1:] == [
        "rep 1 (start 1.00 s, bottom 2.00 s, end 3.00 s)",
        "rep 2 (start 3.50 s, bottom 4.50 s, end 5.50 s)",
    ]
    code, out, err = cli("history", "show", "9", "--db", db)
    assert (code, out, err) == (2, "", f"error: entry #9 is not in the history {db}\n")


def test_export_is_the_history_pages_download_under_any_locale(tmp_path):
    """Under ``LC_ALL=C`` the export raised UnicodeEncodeError on "Zoë" and left an empty file."""
    from analysis.files import for_spreadsheets

    db, out = tmp_path / "history.sqlite3", tmp_path / "history.csv"
    store = _two_athletes(db)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "history", "export", str(out), "--db", str(db)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == for_spreadsheets(store.export_csv())  # the page's download
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [r["athlete"] for r in rows] == ["Zoë Müller", "Ben"] and rows[0]["notes"] == "'=SUM(A1)"
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "history", "export", str(tmp_path), "--db", str(db)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (2, f"error: cannot write {tmp_path}: it is a folder\n")


def test_export_of_one_month_is_the_history_pages_months_download(cli, tmp_path):
    """The History page exports the month chosen in its Period box, read in the browser's time
    zone (review AT); ``--month`` and ``--tz`` make the same file from the command line, and a
    month or zone mistyped is refused in one line, writing nothing."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from analysis.files import for_spreadsheets

    db, out = tmp_path / "history.sqlite3", tmp_path / "march.csv"
    store = HistoryStore(db)
    for month, day, hour in ((2, 28, 21), (3, 15, 12), (3, 31, 23)):  # UTC; in Sydney: March, March, April
        store.add_session("Zoë Müller", f"{month}-{day}.mp4", f"h{month}{day}", "squat", 2, REPS, VERDICTS,
                          created_at=datetime(2026, month, day, hour, tzinfo=UTC))  # fmt: skip
    code, out_text, err = cli("history", "export", out, "--athlete", "zoë müller", "--month", "2026-03",
                              "--tz", "Australia/Sydney", "--db", db)  # fmt: skip
    assert (code, out_text, err) == (0, "", f"2 saved analyses of March 2026 written to {out}\n")
    sydney = store.export_csv(athlete="Zoë Müller", month="2026-03", tz=ZoneInfo("Australia/Sydney"))
    assert out.read_bytes() == for_spreadsheets(sydney)  # the page's download for a Sydney browser
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [r["clip_name"] for r in rows] == ["2-28.mp4", "3-15.mp4"]
    code, _, err = cli("history", "export", out, "--month", "2026-03", "--tz", "UTC", "--db", db)
    assert code == 0 and err.startswith("2 saved analyses of March 2026")  # 3-15 and 3-31 in UTC
    for bad, said in (
        (["--month", "2026-3"], "error: a month is written YYYY-MM, such as 2026-03 (not '2026-3')\n"),
        (["--month", "2026-03", "--tz", "Europe"],
         "error: unknown time zone 'Europe': give an IANA name such as Europe/Berlin, or UTC\n"),
    ):  # fmt: skip
        code, _, err = cli("history", "export", tmp_path / "bad.csv", *bad, "--db", db)
        assert (code, err) == (2, said)
    assert not (tmp_path / "bad.csv").exists()


# ---- render ------------------------------------------------------------------------------
def _good_share(frame: np.ndarray) -> float:
    """Share of the top-left corner (the label box) drawn in the good verdict's colour (light
    blue since review R; the skeleton's right side, (0, 170, 255), is further than 60 away)."""
    from analysis.render import GOOD_COLOUR

    corner = frame[:80, :320].astype(int)
    return float(np.mean(np.linalg.norm(corner - np.array(GOOD_COLOUR), axis=-1) < 60))


def test_render_writes_the_annotated_h264_video_with_its_verdicts(cli, shared_data, tmp_path, pose_cache_dir):
    from analysis.video import probe, read_frame

    clip = shared_data / "clips" / SHORT_SQUAT
    judged, plain = tmp_path / "judged.mp4", tmp_path / "plain.mp4"
    code, _, err = cli("render", clip, "-o", judged, "--exercise", "squat", *_pose_options(pose_cache_dir))
    assert code == 0, err
    assert "render: 100% (" in err and f"{SHORT_SQUAT}: 1 rep, 1 of 1 judged good; written to" in err
    code, _, err = cli("render", clip, "-o", plain, *_pose_options(pose_cache_dir))
    assert code == 0, err
    source, out = probe(clip), probe(judged)
    assert out.codec == "h264" and out.frame_count == source.frame_count
    assert abs(out.duration_s - source.duration_s) < 0.1
    last = (
        source.duration_s - 0.05
    )  # after the rep: "Rep 1: good (...)" in its colour, in the squat's render only
    assert _good_share(read_frame(judged, last)) > 0.002
    assert _good_share(read_frame(plain, last)) < 0.0005
    code, _, err = cli("render", clip, "-o", tmp_path / "out.avi")
    assert (code, err) == (2, "error: the annotated video is an .mp4 file, not out.avi\n")
    # refused before the pose pass (review L: a folder was found only after it, as a traceback,
    # and the clip itself as the output was overwritten)
    (tmp_path / "folder.mp4").mkdir()
    copy = tmp_path / "mine.mp4"
    copy.write_bytes(clip.read_bytes())
    for target, words in ((tmp_path / "folder.mp4", "it is a folder"), (copy, "is the input clip")):
        code, _, err = cli("render", copy, "-o", target, *_pose_options(pose_cache_dir))
        assert code == 2 and err.startswith("error: ") and words in err and "pose:" not in err, err
    assert copy.read_bytes() == clip.read_bytes()


def test_render_names_are_content_based_and_stale_ones_are_cleared(tmp_path):
    from analysis.render import remove_stale_renders, render_file_name, reused_render

    key = ("annotated", "digest", "squat", ((0.5, 1.25),), 0.5)
    name = render_file_name("f" * 64, key)
    # another process (another server start) names the same render the same way
    other = subprocess.run(
        [sys.executable, "-c", f"from analysis.render import render_file_name; print(render_file_name({'f' * 64!r}, {key!r}))"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert other == name and name != render_file_name("f" * 64, (*key[:4], 0.9))
    old, fresh = tmp_path / "old.mp4", tmp_path / name
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    two_days_ago = old.stat().st_mtime - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    os.utime(fresh, (two_days_ago, two_days_ago))
    assert reused_render(fresh)  # a render asked for again is kept another day
    assert not reused_render(tmp_path / "missing.mp4")
    assert remove_stale_renders(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


# ---- count --set -------------------------------------------------------------------------
def test_count_set_tunes_the_named_counter(cli, shared_data, pose_cache_dir):
    clip = shared_data / "clips" / JUMPING_JACKS
    options = ["--json", "--no-flow", *_pose_options(pose_cache_dir)]
    code, out, _ = cli("count", "--method", "peaks", *options, clip)
    assert code == 0 and json.loads(out)["count"] == 3  # clips.tsv: 3
    code, out, _ = cli("count", "--method", "peaks", "--set", "min_distance_s=2", *options, clip)
    result = json.loads(out)
    assert code == 0 and result["count"] == 1 and result["settings"] == {"min_distance_s": 2}
    assert result["algorithms"]["adaptive"] == 3  # the others keep their own settings
    code, out, _ = cli("count", "--method", "peaks", "--set", "local_tempo=no", *options, clip)
    assert code == 0 and json.loads(out)["settings"] == {"local_tempo": False}  # "no" is False, not a word


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "prominence_ratio=0.4"], "--set tunes one counter: name it with --method"),
        (["--method", "auto", "--set", "prominence_ratio=0.4"], "--set tunes one counter"),
        (["--method", "peaks", "--set", "prominence_ratioo=0.4"], "the peaks counter has no setting 'prominence_ratioo'"),
        (["--method", "peaks", "--set", "prominence_ratio=4"], "prominence_ratio must be a share between 0 and 1"),
        (["--method", "peaks", "--set", "prominence_ratio=true"], "prominence_ratio must be a share"),
        (["--method", "hysteresis", "--set", "low_ratio=0.7", "--set", "high_ratio=0.6"], "must be below high_ratio"),
        (["--method", "peaks", "--set", "0.4"], "write NAME=VALUE"),
        # a word or a flag the counter does not take (review L: polarity=down ran the pose pass
        # and failed per PATH; local_tempo=maybe was a non-empty word, so true)
        (["--method", "peaks", "--set", "polarity=down"], "polarity must be 'auto' or 'min' or 'max', not 'down'"),
        (["--method", "peaks", "--set", "local_tempo=maybe"], "local_tempo must be True or False, not 'maybe'"),
        (["--method", "flow", "--set", "direction=sideways"], "direction must be 'down_up' or 'up_down'"),
    ],
)  # fmt: skip
def test_count_set_refuses_a_setting_before_any_pose_pass(cli, tmp_path, args, message):
    missing = tmp_path / "not_there.mp4"  # never read: the setting is refused first
    code, out, err = cli("count", *args, missing)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("error: ") and message in line


def test_the_pages_annotated_video_is_named_by_content_and_made_once(
    pose_cache_dir, shared_data, monkeypatch
):
    """The page named its render with Python's salted ``hash()``: every server start (and so
    every AppTest session here) rendered the same video again under a new name."""
    from streamlit.testing.v1 import AppTest

    from pages.common import RENDER_DIR

    monkeypatch.setenv("REPLAB_CACHE_DIR", str(pose_cache_dir))
    monkeypatch.chdir(REPO_ROOT)
    clip = shared_data / "clips" / SHORT_SQUAT
    made = []
    for _ in range(2):  # two sessions, as after a restart
        at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=240)
        at.run()
        at.sidebar.radio[0].set_value("Upload a video").run()
        at.sidebar.get("file_uploader")[0].set_value((clip.name, clip.read_bytes(), "video/mp4")).run()
        next(b for b in at.button if b.label == "Make annotated video").click().run()
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        (path,) = at.session_state["renders"].values()
        made.append((path, os.stat(path).st_ino))
    assert made[0] == made[1]  # the same file, not rendered again
    track = list(at.session_state["tracks"].values())[-1]
    assert os.path.dirname(made[0][0]) == str(RENDER_DIR)
    assert os.path.basename(made[0][0]).startswith(track.source_hash[:16] + "_")


def test_every_command_that_judges_squats_shares_one_strictness_default_and_range(cli, tmp_path):
    """``form``, ``render``, ``batch`` and ``history save`` offered the same setting with four
    help texts and four literal defaults (``analysis.strictness`` holds the one): an
    out-of-range value is refused before any pose pass, in the same words."""
    from analysis.strictness import DEFAULT_STRICTNESS, p_good_threshold

    clip = SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4"
    commands = {
        "form": ["form", clip],
        "render": ["render", clip, "-o", tmp_path / "out.mp4"],
        "history save": ["history", "save", clip, "--athlete", "Ana", "--db", tmp_path / "h.sqlite"],
    }
    for name, command in commands.items():
        code, _, err = cli(*command, "--strictness", "1.5")
        assert code == 2, name
        assert "--strictness must be between 0 and 1, not 1.5" in err, (name, err)
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "h.sqlite").exists()
    for name in (*commands, "batch"):
        out = subprocess.run(
            [sys.executable, "-m", "analysis", *name.split(), "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"default {DEFAULT_STRICTNESS:g}, as the Squat form page" in " ".join(out.split()), name
    assert p_good_threshold(DEFAULT_STRICTNESS) == pytest.approx(0.5)
    assert (p_good_threshold(-1.0), p_good_threshold(2.0)) == pytest.approx((0.3, 0.7))
    assert [str(p_good_threshold(s)) for s in (0.8, 0.2, 0.65)] == ["0.62", "0.38", "0.56"]
