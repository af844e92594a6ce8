"""HistoryStore on a real SQLite file: round trip, delete, reopen, export, atomic writes, and
the per-rep and per-fault views the History page draws from it."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from analysis.errors import RepLabError
from analysis.files import for_spreadsheets
from analysis.history import (
    SCHEMA_VERSION,
    HistoryError,
    HistoryStore,
    fault_counts,
    fault_shares_by_month,
    session_rep_rows,
    sessions_per_month,
)
from analysis.wording import format_p_good

REPS = [{"start_s": 1.0, "bottom_s": 2.0, "end_s": 3.0}, {"start_s": 3.5, "bottom_s": 4.5, "end_s": 5.5}]
VERDICTS = [
    {"index": 0, "label": "olympic squat", "good": True},
    {"index": 1, "label": "no depth", "good": False},
]


def test_round_trip_and_reopen(tmp_path):
    db = tmp_path / "history.sqlite3"
    store = HistoryStore(db)
    first = store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS, notes="heavy day")
    second = store.add_session("Ben", "b.mp4", "h2", "push-up", 5, REPS[:1])
    assert first != second

    reopened = HistoryStore(db)
    ana = reopened.sessions("Ana")
    assert len(ana) == 1
    assert ana[0]["count"] == 2
    assert ana[0]["reps"] == REPS
    assert ana[0]["verdicts"][1]["label"] == "no depth"
    assert ana[0]["good_share"] == pytest.approx(0.5)
    assert ana[0]["notes"] == "heavy day"
    assert reopened.sessions("Ben")[0]["verdicts"] is None
    assert reopened.sessions("Ben")[0]["good_share"] is None
    assert reopened.athletes() == ["Ana", "Ben"]
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_delete_keeps_other_rows(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    ids = [store.add_session("Ana", f"c{i}.mp4", f"h{i}", "squat", i + 1, REPS) for i in range(3)]
    assert store.delete_session(ids[1]) is True
    assert store.delete_session(ids[1]) is False
    left = HistoryStore(tmp_path / "h.sqlite3").sessions()
    assert [row["id"] for row in left] == [ids[0], ids[2]]
    assert [row["clip_name"] for row in left] == ["c0.mp4", "c2.mp4"]


def test_sessions_are_ordered_by_date(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.add_session("Ana", "late.mp4", "h", "squat", 3, REPS, created_at=datetime(2026, 3, 1, tzinfo=UTC))
    store.add_session("Ana", "early.mp4", "h", "squat", 4, REPS, created_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert [row["clip_name"] for row in store.sessions("Ana")] == ["early.mp4", "late.mp4"]


def test_failed_save_leaves_history_untouched(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS)
    with pytest.raises(ValueError):
        store.add_session("  ", "b.mp4", "h2", "squat", 1, REPS)
    with pytest.raises(TypeError):
        store.add_session("Ana", "c.mp4", "h3", "squat", 1, [object.__new__(_Unstorable)])
    assert [row["clip_name"] for row in store.sessions()] == ["a.mp4"]


class _Unstorable:
    __slots__ = ()


def test_export_csv(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS)
    store.add_session("Ben", "b.mp4", "h2", "push-up", 5, REPS)
    out = tmp_path / "ana.csv"
    text = store.export_csv(out, athlete="Ana")
    with open(out, newline="", encoding="utf-8-sig") as handle:
        written = handle.read()
    assert text == written
    rows = list(csv.DictReader(io.StringIO(written)))
    assert len(rows) == 1
    assert rows[0]["athlete"] == "Ana" and rows[0]["count"] == "2" and rows[0]["good_share"] == "0.500"
    everyone = list(csv.DictReader(io.StringIO(store.export_csv())))
    assert {row["athlete"] for row in everyone} == {"Ana", "Ben"}


def test_export_csv_of_one_month_reads_the_month_in_the_zone_given(tmp_path):
    """With a month chosen in the History page's Period box, the athlete's export still held
    the whole season (review AT). A month's export holds that month's entries as the viewer
    reads months: 1 March 08:00 in Sydney is 28 February in UTC."""
    from zoneinfo import ZoneInfo

    store = HistoryStore(tmp_path / "h.sqlite3")
    for day in ((2, 28, 21, 0), (3, 15, 12, 0), (3, 31, 23, 30), (4, 10, 12, 0)):  # UTC
        store.add_session("Ana", "a.mp4", f"h{day}", "squat", 2, REPS, VERDICTS,
                          created_at=datetime(2026, *day, tzinfo=UTC))  # fmt: skip
    store.add_session("Ben", "b.mp4", "hb", "squat", 1, REPS, created_at=datetime(2026, 3, 15, tzinfo=UTC))

    def ids(text: str) -> list[int]:
        return [int(row["id"]) for row in csv.DictReader(io.StringIO(text))]

    assert ids(store.export_csv(athlete="Ana", month="2026-03", tz=UTC)) == [2, 3]
    assert ids(store.export_csv(athlete="Ana", month="2026-03", tz=ZoneInfo("Australia/Sydney"))) == [1, 2]
    assert ids(store.export_csv(athlete="Ana", month="2026-04", tz=ZoneInfo("Australia/Sydney"))) == [3, 4]
    assert ids(store.export_csv(month="2026-03", tz=UTC)) == [5, 2, 3]  # everyone's March, oldest first
    assert ids(store.export_csv(athlete="Ana", month="2025-03", tz=UTC)) == []
    out = tmp_path / "march.csv"
    store.export_csv(out, athlete="Ana", month="2026-03", tz=UTC)
    assert ids(out.read_bytes().decode("utf-8-sig")) == [2, 3]
    for typed in ("2026-3", "March", "2026-13", "26-03", "2026-03-01"):  # would match nothing, silently
        with pytest.raises(RepLabError, match="a month is written YYYY-MM, such as 2026-03"):
            store.export_csv(tmp_path / "bad.csv", athlete="Ana", month=typed)
    assert not (tmp_path / "bad.csv").exists()


def test_export_csv_file_is_utf8_with_a_byte_order_mark_whatever_the_locale(tmp_path):
    """The file was written in the locale's encoding: under ``LC_ALL=C`` "Zoë" raised
    UnicodeEncodeError half way; elsewhere a spreadsheet read the accents wrong."""
    db, out = tmp_path / "h.sqlite3", tmp_path / "everyone.csv"
    HistoryStore(db).add_session("Zoë Müller", "ß.mp4", "h1", "squat", 2, REPS, VERDICTS)
    code = f"from analysis.history import HistoryStore; HistoryStore({str(db)!r}).export_csv({str(out)!r})"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the History page's download: for_spreadsheets
    assert data == for_spreadsheets(HistoryStore(db).export_csv())
    (row,) = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    assert (row["athlete"], row["clip_name"]) == ("Zoë Müller", "ß.mp4")


def test_a_failed_export_leaves_the_previous_file_whole(tmp_path):
    """The export is written under a temporary name and renamed when whole: a write that
    fails (here the temporary name is taken by a folder) leaves the last export as it was."""
    from analysis.files import temp_name

    store = HistoryStore(tmp_path / "h.sqlite3")
    store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS)
    out = tmp_path / "history.csv"
    store.export_csv(out)
    before = out.read_bytes()
    store.add_session("Ben", "b.mp4", "h2", "squat", 3, REPS)
    os.mkdir(temp_name(out))  # the writer's own temporary name (this process and thread)
    with pytest.raises(OSError):
        store.export_csv(out)
    assert out.read_bytes() == before and b"Ana" in before and b"Ben" not in before
    os.rmdir(temp_name(out))
    store.export_csv(out)
    assert b"Ben" in out.read_bytes()


def test_export_csv_never_hands_a_spreadsheet_a_formula(tmp_path):
    """A note typed as "=HYPERLINK(...)" went into the CSV as it was, and a spreadsheet
    opening the export ran it. The cell now starts with a quote, which spreadsheets hide;
    the stored note and the other cells are unchanged."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    formula = '=HYPERLINK("http://example.invalid","open")'
    store.add_session("@Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS, notes=formula)
    store.add_session("Ben", "b.mp4", "h2", "squat", 2, REPS, notes="felt good, +5 kg next time")
    rows = list(csv.DictReader(io.StringIO(store.export_csv())))
    assert [(row["athlete"], row["notes"]) for row in rows] == [
        ("'@Ana", "'" + formula),
        ("Ben", "felt good, +5 kg next time"),
    ]
    assert store.sessions("@Ana")[0]["notes"] == formula  # as typed where RepLab shows it


@pytest.mark.slow
def test_an_entry_keeps_the_bar_its_reps_were_judged_against(tmp_path, sample_squat_track):
    """Two saves of one clip at strictness 0.5 and 1.0 sat on one "good reps" line with
    nothing saying the second was judged against a higher bar."""
    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps, p_good_threshold

    store = HistoryStore(tmp_path / "h.sqlite3")
    reps = count_reps(sample_squat_track, exercise="squat").reps
    for strictness in (0.5, 1.0):
        verdicts = assess_squat_reps(sample_squat_track, reps, strictness=strictness)
        assert {v.p_good_needed for v in verdicts} == {p_good_threshold(strictness)}
        store.add_session("Ana", "squat.mp4", sample_squat_track.source_hash, "squat", len(reps), reps, verdicts,
                          notes=f"strictness {strictness}")  # fmt: skip
    store.add_session("Ana", "old.mp4", "h0", "squat", 2, REPS, VERDICTS)  # saved before the bar was kept
    assert [s["p_good_needed"] for s in store.sessions("Ana")] == [0.5, pytest.approx(0.7), None]
    rows = list(csv.DictReader(io.StringIO(store.export_csv())))
    assert [row["p_good_needed"] for row in rows] == ["0.50", "0.70", ""]
    # the same calls at a third bar are a new analysis, not "already saved"
    again = assess_squat_reps(sample_squat_track, reps, strictness=0.75)
    saved_at_1 = assess_squat_reps(sample_squat_track, reps, strictness=1.0)
    assert [(v.label, v.good) for v in again] == [(v.label, v.good) for v in saved_at_1]  # the premise
    args = ("Ana", sample_squat_track.source_hash, "squat", len(reps), "strictness 1.0")
    assert store.find_saved(*args, saved_at_1)["notes"] == "strictness 1.0"
    assert store.find_saved(*args, again) is None


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "h.sqlite3"
    HistoryStore(db)
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer RepLab"):
        HistoryStore(db)


def test_env_overrides_default_path(tmp_path, monkeypatch):
    target = tmp_path / "sub" / "env.sqlite3"
    monkeypatch.setenv("REPLAB_HISTORY_DB", str(target))
    store = HistoryStore()
    store.add_session("Ana", "a.mp4", "h1", "squat", 1, REPS[:1])
    assert target.exists()
    assert HistoryStore(target).sessions()[0]["clip_name"] == "a.mp4"


@pytest.mark.slow
def test_session_rep_rows_show_each_saved_rep_with_its_verdict(tmp_path, sample_squat_track):
    """A real analysis saved and read back: one row per rep, its times and its verdict."""
    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps

    reps = count_reps(sample_squat_track, exercise="squat").reps
    verdicts = assess_squat_reps(sample_squat_track, reps)
    store = HistoryStore(tmp_path / "h.sqlite3")
    saved = store.add_session(
        "Ana", "squat.mp4", sample_squat_track.source_hash, "squat", len(reps), reps, verdicts
    )
    rows = session_rep_rows(HistoryStore(tmp_path / "h.sqlite3").session(saved))
    assert [row["rep"] for row in rows] == list(range(1, len(reps) + 1))
    for row, rep, verdict in zip(rows, reps, verdicts):
        assert row["start (s)"] == pytest.approx(rep.start_s, abs=0.006)  # stored to the ms, shown to 0.01 s
        assert row["end (s)"] == pytest.approx(rep.end_s, abs=0.006)
        # worded as everywhere else: a good rep's bare style did not read as a pass
        assert row["verdict"] == verdict.verdict_words and row["reason"] == verdict.reason
        assert row["p(good)"] == format_p_good(verdict.p_good)  # as the Squat form page shows it
        assert row["faults"] == ", ".join(verdict.faults)


def test_session_rep_rows_leave_unjudged_reps_blank(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    judged_once = store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS[:1])
    counted_only = store.add_session("Ana", "b.mp4", "h2", "push-up", 2, REPS)
    rows = session_rep_rows(store.session(judged_once))
    assert [row["verdict"] for row in rows] == ["good (olympic squat)", ""]
    assert rows[1]["p(good)"] == "" and rows[1]["bottom (s)"] == 4.5  # showed "None"
    assert [row["verdict"] for row in session_rep_rows(store.session(counted_only))] == ["", ""]


def test_session_rep_rows_never_round_a_failing_p_good_up_to_the_threshold(tmp_path):
    """A rep failed at 0.4968 against 0.50 read "0.5" on the History page (rounded to the
    nearest), a pass to the eye, where the Squat form page shows 0.49."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    failed = {"label": "no depth", "good": False, "p_good": 0.4968, "faults": ["no depth"], "reason": ""}
    unjudged = {"label": "not a squat", "good": False, "p_good": None, "faults": [], "reason": ""}
    saved = store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, [failed, unjudged])
    assert [row["p(good)"] for row in session_rep_rows(store.session(saved))] == ["0.49", "-"]


def test_fault_counts_per_session_in_order(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    caving = {"good": False, "faults": ["knees caving"]}
    both = {"good": False, "faults": ["knees caving", "no depth"]}
    good = {"good": True, "faults": []}
    store.add_session("Ana", "a.mp4", "h1", "squat", 3, REPS, [caving, both, good],
                      created_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    store.add_session(
        "Ana", "b.mp4", "h2", "squat", 2, REPS, [good, caving], created_at=datetime(2026, 2, 1, tzinfo=UTC)
    )
    store.add_session("Ana", "c.mp4", "h3", "push-up", 2, REPS, created_at=datetime(2026, 3, 1, tzinfo=UTC))
    assert fault_counts(store.sessions("Ana")) == {"knees caving": [2, 1, 0], "no depth": [1, 0, 0]}
    assert fault_counts(store.sessions("Nobody")) == {}


def test_reps_not_judged_do_not_count_against_the_good_share(tmp_path):
    """A rep that is not a squat (or too unclear) has no verdict: 1 good of 2 judged, not of 3."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    verdicts = [
        {"label": "olympic squat", "good": True, "judged": True},
        {"label": "no depth", "good": False, "judged": True},
        {"label": "not a squat", "good": False, "judged": False},
    ]
    saved = store.add_session("Ana", "a.mp4", "h1", "squat", 3, REPS + REPS[:1], verdicts)
    row = store.session(saved)
    assert (row["good_reps"], row["judged_reps"]) == (1, 2)
    assert row["good_share"] == pytest.approx(0.5)


def test_reading_the_history_never_writes_to_it(tmp_path):
    """A coach's read-only copy must open: the store used to rewrite the schema version on
    every open, which fails on a read-only file ('attempt to write a readonly database')."""
    db = tmp_path / "h.sqlite3"
    HistoryStore(db).add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS)
    before = db.read_bytes()
    store = HistoryStore(db)
    assert [s["athlete"] for s in store.sessions()] == ["Ana"] and store.athletes() == ["Ana"]
    assert store.session(1)["count"] == 2 and store.export_csv().count("\n") == 2
    assert db.read_bytes() == before


def test_a_history_that_cannot_be_written_says_so(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the history's folder should be")
    store = HistoryStore(blocker / "h.sqlite3")
    assert store.sessions() == []  # nothing saved yet reads as empty
    with pytest.raises(HistoryError, match="cannot be written"):
        store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS)


def test_a_history_file_deleted_while_in_use_reads_empty_and_saves_again(tmp_path):
    """One store serves the app for its whole life; a file deleted under it made every page
    fail with 'no such table' (a new empty file was opened without the schema)."""
    db = tmp_path / "h.sqlite3"
    store = HistoryStore(db)
    store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS)
    db.unlink()
    assert store.sessions() == [] and store.athletes() == []
    store.add_session("Ana", "b.mp4", "h2", "squat", 1, REPS[:1])
    assert [s["clip_name"] for s in store.sessions("Ana")] == ["b.mp4"]


def test_a_file_that_is_no_database_is_a_readable_error(tmp_path):
    db = tmp_path / "h.sqlite3"
    db.write_bytes(b"these are someone's notes, not a database" * 50)
    with pytest.raises(HistoryError, match="cannot be read"):
        HistoryStore(db).sessions()


def test_one_athlete_keeps_one_name_whatever_the_spacing_and_case(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    for name in ("Ana Lee", "ana lee", "  Ana   Lee "):
        store.add_session(name, "a.mp4", "h", "squat", 2, REPS)
    assert store.athletes() == ["Ana Lee"]
    assert len(store.sessions("ANA  LEE")) == 3


def test_dates_are_shown_in_the_machines_time_zone(tmp_path, monkeypatch):
    """Stored in UTC; a save at 09:00 in Sydney (22:00 UTC the day before) shows on its own day."""
    import time
    from datetime import UTC, datetime

    monkeypatch.setenv("TZ", "Australia/Sydney")
    time.tzset()
    try:
        store = HistoryStore(tmp_path / "h.sqlite3")
        store.add_session(
            "Ana", "a.mp4", "h", "squat", 2, REPS, created_at=datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
        )
        (item,) = store.sessions()
        assert item["created_at"] == "2026-11-21T22:00:00+00:00"  # what the CSV export holds
        assert item["local_time"] == "2026-11-22 09:00"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_one_athlete_whatever_the_unicode_form_and_case(tmp_path):
    """ "Zoë Åström" typed (composed) and pasted from a Mac (decomposed) were two athletes, and
    a lookup matched case only in ASCII: "Anna Strauss" found nothing saved as "Anna Strauß"."""
    import unicodedata

    store = HistoryStore(tmp_path / "h.sqlite3")
    composed = unicodedata.normalize("NFC", "Zoë Åström")
    store.add_session(composed, "a.mp4", "h1", "squat", 2, REPS)
    store.add_session(unicodedata.normalize("NFD", composed), "b.mp4", "h2", "squat", 3, REPS)
    store.add_session("Anna Strauß", "c.mp4", "h3", "squat", 4, REPS)
    store.add_session("anna strauss", "d.mp4", "h4", "squat", 5, REPS)
    assert store.athletes() == ["Anna Strauß", composed]
    assert [s["count"] for s in store.sessions("ZOË ÅSTRÖM")] == [2, 3]
    assert [s["count"] for s in store.sessions("Anna Strauss")] == [4, 5]
    assert len(list(csv.DictReader(io.StringIO(store.export_csv(athlete="zoë åström"))))) == 2
    store.add_session("Ana Lee", "f.mp4", "h6", "squat", 6, REPS)
    store.add_session("\uff21\uff4e\uff41 Lee", "g.mp4", "h7", "squat", 7, REPS)  # full-width letters
    assert [s["count"] for s in store.sessions("ana lee")] == [6, 7] and "Ana Lee" in store.athletes()
    with pytest.raises(ValueError, match="athlete name is needed"):
        store.add_session("\u200b", "e.mp4", "h5", "squat", 1, REPS)  # a zero-width space is no name


def test_one_athlete_whatever_keyboard_typed_the_apostrophe_or_hyphen(tmp_path):
    """An iPhone or a Mac types "O’Brien" (a curly apostrophe) where a PC types "O'Brien", and
    word processors "Smith‐Jones" with a Unicode hyphen: each made a second athlete (review U)."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.add_session("O'Brien, Pat", "a.mp4", "h1", "squat", 2, REPS)
    store.add_session("O\u2019Brien, Pat", "b.mp4", "h2", "squat", 3, REPS)
    store.add_session("Kim Smith-Jones", "c.mp4", "h3", "squat", 4, REPS)
    store.add_session("kim smith\u2010jones", "d.mp4", "h4", "squat", 5, REPS)
    assert store.athletes() == ["Kim Smith-Jones", "O'Brien, Pat"]
    assert [s["count"] for s in store.sessions("o\u2019brien, pat")] == [2, 3]
    assert [s["count"] for s in store.sessions("Kim Smith-Jones")] == [4, 5]
    assert store.athletes() != [
        "O'Brien, Pat",
        "OBrien, Pat",
    ]  # an apostrophe is not dropped: two names stay two
    store.add_session("OBrien, Pat", "e.mp4", "h5", "squat", 1, REPS)  # no apostrophe: another name
    assert len(store.athletes()) == 3


def _save_as(args):
    path, name, i = args
    return HistoryStore(path).add_session(name, f"{i}.mp4", f"h{i}", "squat", 1, [])


def test_two_tabs_saving_one_name_in_two_cases_at_once_make_one_athlete(tmp_path):
    """The name lookup ran before the write lock: "Ana Lee" and "ana lee" saved at the same
    moment from two tabs became two athletes (3 times in 40 in a review)."""
    from concurrent.futures import ProcessPoolExecutor

    for trial in range(12):
        path = tmp_path / f"h{trial}.sqlite3"
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(_save_as, [(path, "Ana Lee", 1), (path, "ana lee", 2)]))
        names = HistoryStore(path).athletes()
        assert len(names) == 1, names


@pytest.mark.parametrize(
    "columns", ["id INTEGER PRIMARY KEY, created_at TEXT, athlete TEXT", "id INTEGER PRIMARY KEY, score REAL"]
)
@pytest.mark.parametrize("rows", [0, 1])
def test_a_sessions_table_made_by_something_else_is_a_readable_error(tmp_path, columns, rows):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE sessions ({columns})")
        for _ in range(rows):
            db.execute("INSERT INTO sessions (id) VALUES (NULL)")
    with pytest.raises(HistoryError, match="not RepLab's"):  # said when the file is opened
        HistoryStore(path)
    store = object.__new__(HistoryStore)  # as if opened before the table changed under it
    store.path = path
    for call in (
        store.sessions,
        store.athletes,
        lambda: store.add_session("Ana", "a.mp4", "h", "squat", 1, []),
    ):
        with pytest.raises(HistoryError, match="not RepLab's"):
            call()
    with sqlite3.connect(path) as db:  # left as it was: no version stamp, no index of ours
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall() == []


def test_another_programs_database_is_never_given_our_tables(tmp_path):
    path = tmp_path / "app.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    before = path.read_bytes()
    # said when it is opened: it read as an empty history ("use Save"), and Save then failed
    with pytest.raises(HistoryError, match="another program's database.*REPLAB_HISTORY_DB"):
        HistoryStore(path).sessions()
    assert path.read_bytes() == before


def test_dates_are_shown_in_the_viewers_time_zone(tmp_path):
    """The server runs in UTC in most containers: a coach in Sydney saw a save made on the
    morning of 2 September listed under the evening of 1 September, as "local time"."""
    from zoneinfo import ZoneInfo

    store = HistoryStore(tmp_path / "h.sqlite3")
    entry = store.add_session(
        "Ana", "a.mp4", "h", "squat", 2, REPS, created_at=datetime(2026, 9, 1, 23, 30, tzinfo=UTC)
    )
    sydney, los_angeles = ZoneInfo("Australia/Sydney"), ZoneInfo("America/Los_Angeles")
    assert store.sessions(tz=sydney)[0]["local_time"] == "2026-09-02 09:30"
    assert store.session(entry, tz=los_angeles)["local_time"] == "2026-09-01 16:30"
    assert store.sessions(tz=sydney)[0]["created_at"] == "2026-09-01T23:30:00+00:00"  # stored as it was


def test_notes_are_corrected_in_place_not_saved_twice(tmp_path):
    """A typo in a note meant saving the analysis again: a second session, counted twice."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    entry = store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS, notes="haevy")
    assert store.update_notes(entry, "heavy day") and not store.update_notes(entry + 1, "x")
    (item,) = store.sessions()
    assert item["notes"] == "heavy day" and item["id"] == entry
    # the same analysis with other notes is found when notes are not asked about
    assert store.find_saved("Ana", "h1", "squat", 2, None, VERDICTS)["id"] == entry
    assert store.find_saved("Ana", "h1", "squat", 2, "other", VERDICTS) is None


def test_a_read_only_history_is_known_before_saving(tmp_path):
    """Saving found out only after a note was typed, in SQLite's words."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    assert store.cannot_write() is None  # not there yet: its folder can be written
    store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS)
    assert store.cannot_write() is None
    store.path.chmod(0o444)
    # root writes a file whatever its mode: make it immutable instead
    if os.access(store.path, os.W_OK) and subprocess.run(["chattr", "+i", str(store.path)]).returncode:
        pytest.skip("this user writes read-only files, and chattr cannot make one immutable here")
    try:
        assert "is read-only" in store.cannot_write()
        with pytest.raises(HistoryError, match=r"cannot be written \(it is read-only\)"):
            store.add_session("Ana", "b.mp4", "h2", "squat", 2, REPS)
        assert len(store.sessions()) == 1
    finally:
        subprocess.run(["chattr", "-i", str(store.path)], capture_output=True)
        store.path.chmod(0o644)


def test_find_saved_names_the_same_analysis_saved_before(tmp_path):
    """What the dashboard asks before saving (a second click on Save stored it twice)."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    assert store.find_saved("Ana", "h1", "squat", 2) is None  # nothing saved yet
    first = store.add_session("Ana Lee", "a.mp4", "h1", "squat", 2, REPS, VERDICTS, notes="heavy")
    again = store.add_session("Ana Lee", "a.mp4", "h1", "squat", 2, REPS, VERDICTS, notes="heavy")
    assert (
        store.find_saved("ana lee", "h1", "squat", 2, "heavy", VERDICTS)["id"] == again
    )  # the newest, any case
    assert (
        store.find_saved("Ana Lee", "h1", "squat", 2, "light", VERDICTS) is None
    )  # other notes: a new entry
    assert store.find_saved("Ana Lee", "h1", "lunge", 2, "heavy", VERDICTS) is None
    assert store.find_saved("Ana Lee", "h1", "squat", 3, "heavy", VERDICTS) is None
    assert store.find_saved("Ana Lee", "h2", "squat", 2, "heavy", VERDICTS) is None
    assert store.find_saved("Ben", "h1", "squat", 2, "heavy", VERDICTS) is None
    assert store.find_saved("  ", "h1", "squat", 2, "heavy", VERDICTS) is None  # no name, nothing to match
    assert (
        store.delete_session(again)
        and store.find_saved("Ana Lee", "h1", "squat", 2, "heavy", VERDICTS)["id"] == first
    )


def test_find_saved_tells_verdicts_judged_at_another_strictness_apart(tmp_path):
    """Saved verdicts follow the strictness: the same reps judged more strictly are a new
    analysis, not "already saved"."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    saved = store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS)
    assert store.find_saved("Ana", "h1", "squat", 2, verdicts=VERDICTS)["id"] == saved
    stricter = [VERDICTS[0] | {"good": False, "label": "no depth"}, VERDICTS[1]]
    assert store.find_saved("Ana", "h1", "squat", 2, verdicts=stricter) is None
    assert store.find_saved("Ana", "h1", "squat", 2) is None  # saved with verdicts, asked without


def test_session_rep_rows_name_the_turning_point_as_the_exercise_has_it(tmp_path):
    """A pull-up's table was headed "bottom (s)" over its tops (review O)."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    headings = {}
    for i, exercise in enumerate(("squat", "pull_up", "curl", "jumping_jack", "other", "auto")):
        saved = store.add_session("Ana", f"{i}.mp4", f"h{i}", exercise, 2, REPS)
        headings[exercise] = [c for c in session_rep_rows(store.session(saved))[0] if c.endswith("(s)")]
    assert headings["squat"] == ["start (s)", "bottom (s)", "end (s)"]
    assert headings["pull_up"][1] == headings["curl"][1] == "top (s)"
    assert headings["jumping_jack"][1] == "open (s)"
    assert headings["other"][1] == headings["auto"][1] == "turning point (s)"


def test_notes_saved_in_another_tab_are_not_overwritten_unannounced(tmp_path):
    """Tab A opened the notes editor, tab B saved other notes, then A saved: B's notes were
    gone without a word, and A was told "saved" (review U, in chromium on a 300-entry file)."""
    from analysis.history import NotesChangedError

    store = HistoryStore(tmp_path / "h.sqlite3")
    entry = store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, notes="-5kg deload")
    assert store.update_notes(entry, "B: moved to Tuesday", was="-5kg deload")  # tab B, first
    with pytest.raises(NotesChangedError) as raised:
        store.update_notes(entry, "A: knee pain left", was="-5kg deload")  # tab A, from the old notes
    assert raised.value.current == "B: moved to Tuesday"
    assert store.session(entry)["notes"] == "B: moved to Tuesday"
    assert store.update_notes(entry, "A: knee pain left", was="B: moved to Tuesday")  # seen, then saved
    assert store.session(entry)["notes"] == "A: knee pain left"
    assert store.update_notes(entry + 1, "x", was="") is False  # deleted elsewhere: said as before


def test_editing_or_deleting_in_a_history_that_is_not_there_creates_no_empty_one(tmp_path):
    """The history's folder went away (a drive not mounted, a folder renamed): Save the notes
    and Delete made a new empty history file in its place and said the entry was "deleted in
    another tab"; the next saves went into that file, not the coach's (review U)."""
    folder = tmp_path / "coachdisk"
    path = folder / "h.sqlite3"
    store = HistoryStore(path)
    entry = store.add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, notes="kept")
    folder.rename(tmp_path / "unmounted")
    for change in (lambda: store.update_notes(entry, "x"), lambda: store.delete_session(entry)):
        with pytest.raises(HistoryError, match="is not there"):
            change()
    assert not folder.exists()  # nothing made in its place
    (tmp_path / "unmounted").rename(folder)
    assert [(s["id"], s["notes"]) for s in store.sessions()] == [(entry, "kept")]


def test_a_file_saved_before_names_were_joined_lists_each_athlete_once(tmp_path):
    """A history written by the first release (names stored as typed: "Ana Lee", "ana lee")
    listed both in the Athlete box, each showing the same sessions (review U)."""
    path = tmp_path / "old.sqlite3"
    HistoryStore(path).add_session("Ben", "b.mp4", "h0", "squat", 1, REPS)
    with sqlite3.connect(path) as db:  # rows as the first release stored them
        for name, clip in (("Ana Lee", "a.mp4"), ("ana lee", "c.mp4"), ("ANA LEE", "d.mp4")):
            db.execute(
                "INSERT INTO sessions (created_at, athlete, clip_name, clip_hash, exercise, count, reps_json, "
                "notes) VALUES ('2026-03-02T07:00:00+00:00', ?, ?, 'h', 'Squat', 2, '[]', '')", (name, clip)
            )  # fmt: skip
    store = HistoryStore(path)
    assert store.athletes() == ["Ana Lee", "Ben"]
    assert [s["clip_name"] for s in store.sessions("Ana Lee")] == ["a.mp4", "c.mp4", "d.mp4"]  # nothing lost


@pytest.mark.slow
def test_a_saved_squat_keeps_its_number_in_the_clip(tmp_path, sample_squat_track):
    """The movements that are not squats are not saved, and the History numbered the rest 1,
    2, 3 ...: on a 3-minute set with six drops to the floor its "rep 13" was rep 14 on the
    Squat form page, in its CSV and in its report (review AE). Here the sample's first rep is
    judged "not a squat" (the judge is the real model, its first verdict relabelled): the one
    squat saved is still rep 2."""
    from dataclasses import replace

    from analysis.form import assess_squat_reps
    from analysis.form.verdict import NOT_A_SQUAT
    from analysis.saving import save_analysis

    def first_is_no_squat(track, reps, strictness):
        verdicts = assess_squat_reps(track, reps, strictness=strictness)
        return [replace(verdicts[0], label=NOT_A_SQUAT, good=False), *verdicts[1:]]

    store = HistoryStore(tmp_path / "h.sqlite3")
    outcome = save_analysis(store, sample_squat_track, "squat", "Ana", judge=first_is_no_squat)
    assert outcome.count == 1 and len(outcome.left_out) == 1
    rows = session_rep_rows(store.session(outcome.entry_id))
    assert [row["rep"] for row in rows] == [2]
    # saved again with the same verdicts: the same analysis, found, not stored twice
    again = save_analysis(store, sample_squat_track, "squat", "Ana", judge=first_is_no_squat)
    assert again.entry_id == outcome.entry_id and len(store.sessions("Ana")) == 1


def test_session_rep_rows_of_an_older_entry_number_its_reps_in_order(tmp_path):
    """Entries saved before ``clip_rep`` was stored keep the numbers they were shown with."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    reps = [{"start_s": 0.0, "bottom_s": 1.0, "end_s": 2.0}, {"start_s": 3.0, "bottom_s": 4.0, "end_s": 5.0}]
    saved = store.add_session(
        "Ana", "a.mp4", "h1", "squat", 2, reps, [{"label": "no depth", "good": False}] * 2
    )
    assert [row["rep"] for row in session_rep_rows(store.session(saved))] == [1, 2]


def _kill_mid_save(db) -> None:
    """A process killed in the middle of a write to ``db`` (the app stopped mid-save, a power
    cut): its rollback journal stays next to the file, as SQLite leaves it."""
    code = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('PRAGMA cache_size = 1')\n"  # changed pages reach the file before the commit
        "db.execute('BEGIN IMMEDIATE')\n"
        "db.execute(\"UPDATE sessions SET notes = 'half written'\")\n"
        "os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=False)


def test_a_save_interrupted_by_a_crash_is_undone_and_the_history_reads_again(tmp_path):
    """Review AN: after the app was killed mid-save the next start said "the history file
    cannot be read (it is read-only)" on every page, for good, and Save failed too: reads open
    the file read-only, and only a read-write open lets SQLite undo the unfinished write."""
    db = tmp_path / "h.sqlite3"
    HistoryStore(db).add_session("Ana", "a.mp4", "h1", "squat", 2, REPS, VERDICTS, notes="x" * 500)
    with sqlite3.connect(db) as grow:  # 64 entries: pages enough for the write to reach the file
        for _ in range(6):
            grow.execute(
                "INSERT INTO sessions (created_at, athlete, clip_name, clip_hash, exercise, count, good_reps, "
                "judged_reps, reps_json, verdicts_json, notes) SELECT created_at, athlete, clip_name, clip_hash, "
                "exercise, count, good_reps, judged_reps, reps_json, verdicts_json, notes FROM sessions"
            )
    _kill_mid_save(db)
    assert (tmp_path / "h.sqlite3-journal").stat().st_size > 0  # what the crash left
    reopened = HistoryStore(db)
    saved = reopened.sessions()
    assert len(saved) == 64 and {s["notes"] for s in saved} == {"x" * 500}  # as before the crash
    assert reopened.add_session("Ben", "b.mp4", "hb", "squat", 1, REPS[:1]) == 65
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_season_is_counted_per_month_and_its_faults_as_shares_of_judged_reps(tmp_path):
    """Review AN: what the History page draws for a season (Period box, faults per month)."""
    store = HistoryStore(tmp_path / "h.sqlite3")
    caving = {"good": False, "judged": True, "faults": ["knees caving", "no depth"]}
    not_judged = {"good": False, "judged": False, "faults": ["no depth"]}  # not a squat: no share
    for month, verdicts in ((1, [caving, VERDICTS[0]]), (3, [VERDICTS[0], not_judged]), (3, [VERDICTS[1]])):
        store.add_session(
            "Ana", "a.mp4", "h", "squat", 2, REPS, verdicts, created_at=datetime(2026, month, 9, tzinfo=UTC)
        )
    sessions = store.sessions("Ana", tz=UTC)
    assert sessions_per_month(sessions) == {"2026-03": 2, "2026-01": 1}  # newest first
    months, shares = fault_shares_by_month(sessions)
    assert months == ["2026-01", "2026-03"]
    assert shares == {"knees caving": [0.5, 0.0], "no depth": [0.5, 0.0]}  # VERDICTS[1] names no faults


def _save_when_all_are_ready(path, track, verdicts, barrier, notes) -> None:
    """One tab's Save click: the page's cached verdicts (``judge``), then the save, started
    when every racer is ready."""

    def cached_verdicts(track, reps, strictness):
        barrier.wait(timeout=60)  # every racer has counted and judged: all save at once
        return verdicts

    from analysis.saving import save_analysis

    save_analysis(HistoryStore(path), track, "squat", "Ana", notes, judge=cached_verdicts)


@pytest.mark.slow
def test_tabs_saving_one_analysis_at_the_same_moment_save_it_once(tmp_path, sample_squat_track):
    """The check for the same analysis ran before the save's write lock: two tabs clicking
    Save at the same moment both found nothing and saved it twice (3 trials in 10 in the
    previous review). Here 4 processes race on a real SQLite file holding a season of the athlete's
    sessions, 8 times (each trial failed before the fix): each time exactly one entry of the analysis is saved, and one with
    other notes is not saved beside it."""
    import multiprocessing

    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps

    reps = list(count_reps(sample_squat_track, exercise="squat").reps)
    verdicts = assess_squat_reps(sample_squat_track, reps)  # the real model, judged once
    racers = 4
    context = multiprocessing.get_context("fork")
    for trial in range(8):
        path = tmp_path / f"h{trial}.sqlite3"
        store = HistoryStore(path)
        for i in range(150):  # other clips: a season's sessions, read by every duplicate check
            store.add_session("Ana", f"c{i}.mp4", f"other{i}", "squat", 2, REPS, VERDICTS)
        barrier = context.Barrier(racers)
        notes = ["", "", "", "heavy day"]  # one tab typed other notes: the same session still
        processes = [
            context.Process(target=_save_when_all_are_ready, args=(path, sample_squat_track, verdicts, barrier, n))
            for n in notes
        ]  # fmt: skip
        for process in processes:
            process.start()
        for process in processes:
            process.join(120)
        assert [p.exitcode for p in processes] == [0] * racers
        saved = [s for s in store.sessions("Ana") if s["clip_hash"] == sample_squat_track.source_hash]
        assert len(saved) == 1, f"trial {trial}: saved {len(saved)} times"
        assert len(store.sessions("Ana")) == 151  # the season is whole
