"""Saved analyses per athlete, in one SQLite file.

Why SQLite: a coach's history must survive app restarts, crashes mid-save and two
browser tabs saving at once. SQLite gives atomic transactions in a single local file
with no server, and the standard library ships it. Each session stores the facts a
coach reviews later (count, rep spans, verdicts) as JSON next to searchable columns,
never the video itself (the clip's content hash links back to it).

The schema carries a version number (``PRAGMA user_version``) so later releases can
migrate old files instead of failing on them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from analysis.counting.presets import turn_word
from analysis.errors import RepLabError
from analysis.files import write_spreadsheet_csv
from analysis.wording import format_p_good, verdict_words

HISTORY_ENV = "REPLAB_HISTORY_DB"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    athlete     TEXT    NOT NULL,
    clip_name   TEXT    NOT NULL,
    clip_hash   TEXT    NOT NULL,
    exercise    TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    good_reps   INTEGER,
    judged_reps INTEGER,
    reps_json   TEXT    NOT NULL,
    verdicts_json TEXT,
    notes       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_athlete ON sessions (athlete, created_at);
"""

CSV_COLUMNS = (
    "id", "created_at", "athlete", "clip_name", "clip_hash", "exercise", "count",
    "good_reps", "judged_reps", "good_share", "p_good_needed", "notes",
)  # fmt: skip


TYPED_COLUMNS = ("athlete", "clip_name", "exercise", "notes")  # what a user typed or named
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` for a CSV cell a spreadsheet opens: a leading ``'`` where it would start a
    formula (a note typed as "=HYPERLINK(...)" ran as one when the export was opened;
    OWASP's advice for CSV files). Spreadsheets hide the quote; other text is unchanged."""
    return "'" + text if text and text.startswith(FORMULA_STARTS) else text


def form_summary(session: dict) -> str:
    """A saved entry's verdicts in a few words ("2 of 3 good (p ≥ 0.50)"), empty without
    verdicts; the bar is said because entries judged at another strictness are another bar."""
    if session["verdicts"] is None:
        return ""
    needed = session["p_good_needed"]
    return f"{session['good_reps']} of {session['judged_reps']} good" + (
        f" (p ≥ {needed:.2f})" if needed is not None else ""
    )


# what a read-only open finds after a write that never finished (the app killed mid-save, a
# power cut, a copy taken mid-save): SQLite must write to undo it (rollback journal / WAL)
_INTERRUPTED_WRITE = {
    getattr(sqlite3, name, None) for name in ("SQLITE_READONLY_ROLLBACK", "SQLITE_READONLY_RECOVERY")
}
_INTERRUPTED_WRITE.discard(None)


def _interrupted_write(exc: Exception) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in _INTERRUPTED_WRITE


def _plain(exc: Exception) -> str:
    """SQLite's reasons in a user's words, where they have some."""
    text = str(exc)
    if _interrupted_write(exc):  # "read-only" alone sent the user to fix a file's permissions
        return (
            "a save was interrupted and must be undone first, which needs the file and its folder "
            "to be writable; nothing saved before it is lost"
        )
    if "readonly database" in text:
        return "it is read-only"
    if "database is locked" in text:
        return "another program is using it; try again in a moment"
    return text


class HistoryError(RepLabError):
    """The history file cannot be read or written (read-only, not a database, ...)."""


class NotesChangedError(RepLabError):
    """Notes edited from what they were when the editor opened: another tab or window saved
    other notes meanwhile. ``current`` holds the notes now saved; nothing was written."""

    def __init__(self, session_id: int, current: str):
        self.session_id, self.current = session_id, current
        super().__init__(
            f"the notes of entry #{session_id} were changed elsewhere meanwhile; nothing was saved"
        )


REQUIRED_COLUMNS = frozenset(
    ("id", "created_at", "athlete", "clip_name", "clip_hash", "exercise", "count", "good_reps", "judged_reps",
     "reps_json", "verdicts_json", "notes")
)  # fmt: skip


def normalise_athlete(name: str) -> str:
    """One spelling per typed name: Unicode composed (NFC: "Zoë" typed or pasted from a Mac
    is one name), invisible format characters dropped (a zero-width space alone is no
    name; the joiner inside an emoji stays), outer spaces dropped and inner runs made one
    ("Ana  Lee " -> "Ana Lee")."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf" or ch == "\u200d")
    return " ".join(text.split())


def athlete_key(name: str) -> str:
    """What two names must share to be one athlete: ``normalise_athlete``, then Unicode case
    folding ("ana lee" is "Ana Lee", "Strauss" is "Strauß"). SQLite's NOCASE folds ASCII only,
    so names are matched in Python with this key."""
    # NFKC too: a name typed in full-width letters ("Ａｎａ Lee", an East Asian keyboard's
    # mode) is the same athlete; the name is still stored as typed (review J). Typographic
    # apostrophes and hyphens are the plain ones: an iPhone or a Mac types "O’Brien" where a
    # PC types "O'Brien", and they made two athletes (review U)
    folded = unicodedata.normalize("NFKC", normalise_athlete(name)).casefold()
    return folded.translate(_TYPOGRAPHIC)


# curly and modifier apostrophes and a backtick typed for one; hyphens and the en dash
_TYPOGRAPHIC = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc`"} | {c: "-" for c in "\u2010\u2011\u2013"})


def _same_athlete(names: Sequence[str], athlete: str) -> list[str]:
    """The stored ``names`` that are ``athlete`` (see ``athlete_key``), in the order given."""
    key = athlete_key(athlete)
    return [name for name in names if athlete_key(name) == key]


def default_history_path() -> Path:
    """``$REPLAB_HISTORY_DB``, else ``$XDG_DATA_HOME/replab/history.sqlite3`` (~/.local/share)."""
    if os.environ.get(HISTORY_ENV):
        return Path(os.environ[HISTORY_ENV])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "replab" / "history.sqlite3"


def _as_dict(item) -> dict:
    """Reps and verdicts arrive as dataclasses with ``to_dict``, or as plain dicts."""
    if isinstance(item, dict):
        return dict(item)
    if hasattr(item, "to_dict"):
        return item.to_dict()
    if hasattr(item, "__dict__"):
        return {k: v for k, v in vars(item).items() if not k.startswith("_")}
    raise TypeError(f"cannot store {type(item).__name__} in the history")


def _json_default(value):
    # numpy scalars and arrays (features, probabilities) become plain JSON numbers/lists.
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _verdict_calls(verdicts) -> list[tuple] | None:
    """(label, good, the P(good) needed) per rep, from ``RepVerdict``s or their stored dicts;
    None for no verdicts. The bar is part of the call: re-judged at a stricter setting with
    the same results, the clip was "already saved" and the stricter bar never recorded."""
    if verdicts is None:
        return None
    calls = []
    for d in map(_as_dict, verdicts):
        needed = d.get("p_good_needed")
        needed = round(float(needed), 2) if needed is not None and math.isfinite(float(needed)) else None
        calls.append((d.get("label"), bool(d.get("good")), needed))
    return calls


def turn_column_word(exercise: str | None) -> str:
    """The rep's turning point in words for an entry saved as ``exercise`` ("bottom" for a
    squat, "top" for a pull-up); "turning point" for "other", auto, or a name saved before
    names were checked."""
    try:
        return turn_word(exercise)
    except ValueError:
        return "turning point"


def session_rep_rows(session: dict) -> list[dict]:
    """One row per rep of a saved analysis: its times and, when it was judged, the verdict.

    Reps and verdicts are stored side by side (a verdict's ``index`` is its rep's); a rep
    without a verdict (counted but not a squat) keeps empty verdict columns. A rep is numbered
    as in the clip (``clip_rep``, saved since the sixteenth session): the movements left out as
    not squats are not saved, so the numbers can skip them.
    """
    verdicts = {int(v.get("index", i)): v for i, v in enumerate(session.get("verdicts") or [])}
    turn = f"{turn_column_word(session.get('exercise'))} (s)"  # a pull-up's "top (s)"
    rows = []
    for i, rep in enumerate(session.get("reps") or []):
        verdict = verdicts.get(i, {})
        p_good = verdict.get("p_good")
        rows.append(
            {
                "rep": int(verdict.get("clip_rep", i + 1)), "start (s)": _rounded(rep.get("start_s")), turn: _rounded(rep.get("bottom_s")),
                "end (s)": _rounded(rep.get("end_s")),
                "verdict": verdict_words(verdict["label"], bool(verdict.get("good"))) if verdict.get("label") else "",
                "p(good)": format_p_good(p_good) if verdict.get("label") else "", "faults": ", ".join(verdict.get("faults") or []),
                "reason": verdict.get("reason", ""),
            }
        )  # fmt: skip
    return rows


def sessions_per_month(sessions: Sequence[dict]) -> dict[str, int]:
    """How many of the decoded ``sessions`` were saved in each month ("2026-03"), in the time
    they are shown in (``local_time``), newest month first. A season of 40 sessions was one
    table, one trend and 40 fault bars: "Anna's sessions in March" meant scrolling (review AN)."""
    months = Counter(s["local_time"][:7] for s in sessions)
    return dict(sorted(months.items(), reverse=True))


def month_words(month: str) -> str:
    """ "2026-03" -> "March 2026" (English month names, as the rest of the app)."""
    year, number = month.split("-")
    return f"{_MONTHS[int(number) - 1]} {year}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip


def check_month(month: str) -> str:
    """``month`` as the Period box and ``history export --month`` give it ("2026-03"), or a
    ``RepLabError`` saying how to write one ("2026-3" or "March" matched no session, silently)."""
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):
        raise RepLabError(f"a month is written YYYY-MM, such as 2026-03 (not {month!r})")
    return month


def sessions_in_month(sessions: Sequence[dict], month: str) -> list[dict]:
    """The decoded ``sessions`` saved in ``month`` ("2026-03") in the time they are shown in
    (``local_time``, the viewer's zone): what the Period box shows and its month's export holds."""
    prefix = check_month(month) + "-"
    return [s for s in sessions if s["local_time"].startswith(prefix)]


def fault_counts(sessions: Sequence[dict]) -> dict[str, list[int]]:
    """Per fault, how many reps of each session (in the order given) showed it.

    Only faults that occur at least once are listed; a session saved without verdicts
    counts 0 for every fault (``good_share`` tells those apart).
    """
    names = sorted({f for s in sessions for v in (s.get("verdicts") or []) for f in v.get("faults") or []})
    return {
        name: [sum(name in (v.get("faults") or []) for v in (s.get("verdicts") or [])) for s in sessions]
        for name in names
    }


def fault_shares_by_month(sessions: Sequence[dict]) -> tuple[list[str], dict[str, list[float]]]:
    """The months of ``sessions`` (oldest first) and, per fault, the share (0..1) of each
    month's judged reps (``judged``, as ``judged_reps`` counts them) that showed it; only
    faults that occur are listed.

    A share, not a count: a month of 12 sessions has more faulty reps than one of 3 at the
    same form. Over a season one bar group per session was 40 hairline groups under slanted
    names, and "is her depth getting better?" could not be read off it (review AN)."""
    months = sorted({s["local_time"][:7] for s in sessions})
    judged = {
        m: [v for s in sessions if s["local_time"].startswith(m) for v in s.get("verdicts") or [] if v.get("judged", True)]
        for m in months
    }  # fmt: skip
    names = sorted({f for verdicts in judged.values() for v in verdicts for f in v.get("faults") or []})
    shares = {
        name: [sum(name in (v.get("faults") or []) for v in judged[m]) / len(judged[m]) if judged[m] else 0.0 for m in months]
        for name in names
    }  # fmt: skip
    return months, shares


def _athlete_rows(db, athlete: str | None) -> list:
    """The rows of ``athlete`` (every stored spelling, see ``athlete_key``; None: everyone's),
    oldest first; the names are found on the same connection as the rows (one snapshot)."""
    query, args = "SELECT * FROM sessions", ()
    if athlete is not None:
        stored = [row[0] for row in db.execute("SELECT DISTINCT athlete FROM sessions").fetchall()]
        names = _same_athlete(stored, athlete)
        if not names:
            return []
        query, args = f"{query} WHERE athlete IN ({', '.join('?' * len(names))})", tuple(names)
    return db.execute(query + " ORDER BY created_at, id", args).fetchall()


def _newest_same(sessions: Sequence[dict], clip_hash, exercise, count, notes, wanted) -> dict | None:
    """The newest of the decoded ``sessions`` holding this analysis: same clip, exercise,
    count, notes (None: any) and verdict calls (``_verdict_calls``)."""
    same = (
        s for s in reversed(sessions)
        if s["clip_hash"] == clip_hash and s["exercise"] == exercise and s["count"] == count
        and (notes is None or s["notes"] == notes) and _verdict_calls(s["verdicts"]) == wanted
    )  # fmt: skip
    return next(same, None)


def _rounded(value, digits: int = 2):
    return None if value is None else round(float(value), digits)


class HistoryStore:
    """Saved analyses in a SQLite file (created, with its folder, on the first save).

    Every write runs in its own transaction: it is either saved whole or not at all.
    A connection is opened per call, so the store is safe to share between Streamlit
    sessions (threads) and cheap to create. Reading never writes (but to undo a save a crash
    left half done, as any read-write open of SQLite does): a read-only file (a coach's
    copy) can be browsed, a missing one reads as empty, and a file deleted while
    the app runs gets its table back on the next save instead of failing every page.
    Failures are ``HistoryError`` with the file's name and SQLite's reason.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_history_path()
        version = self._read(lambda db: db.execute("PRAGMA user_version").fetchone()[0], 0)
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path} was written by a newer RepLab (history schema {version}); "
                f"this version reads schema {SCHEMA_VERSION}."
            )

    def _read(self, query, empty):
        """``query(db)`` on a read-only connection; ``empty`` when there is no history yet."""
        if not self.path.exists():
            return empty
        try:
            try:
                return self._read_once(query)
            except sqlite3.OperationalError as exc:
                if not _interrupted_write(exc) or self.cannot_write():
                    raise
                self._undo_interrupted_write()
                return self._read_once(query)
        except sqlite3.DatabaseError as exc:  # OperationalError among them
            if isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc):
                return empty
            raise HistoryError(f"the history file {self.path} cannot be read ({_plain(exc)}).") from None

    def _read_once(self, query):
        with closing(
            sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
        ) as db:
            db.row_factory = sqlite3.Row
            # another program's file is said when it is opened, not only at the first
            # save: it read as an empty history, "use Save", and then Save failed
            self._check_ours(db)
            return query(db)

    def _undo_interrupted_write(self) -> None:
        """Let SQLite undo a write that never finished, as any read-write open does: it puts
        the file back as it was before that write (every finished save kept). Reads open the
        file read-only, which cannot undo it: after the app was killed mid-save, every page
        said the history "cannot be read (it is read-only)", for good (review AN)."""
        with closing(sqlite3.connect(self.path, timeout=10.0)) as db:
            db.execute("PRAGMA user_version").fetchone()

    def cannot_write(self) -> str | None:
        """Why a save would fail before anything is typed (the file or its folder is
        read-only), or None. Saving found out only after the coach had typed a note."""
        target = (
            self.path
            if self.path.exists()
            else next((parent for parent in self.path.parents if parent.exists()), None)
        )
        if target is None or not os.access(target, os.W_OK):
            return f"the history file {self.path} is read-only"
        if self.path.exists() and not os.access(self.path.parent, os.W_OK | os.X_OK):
            return (
                f"the folder of the history file {self.path} is read-only (SQLite writes its journal there)"
            )
        return None

    @contextmanager
    def _transaction(self, create: bool = True):
        """A write transaction on a file that has the current schema; ``create=False`` for a
        change to saved entries, which needs the file there (see ``_must_exist``).

        It takes the write lock first (``BEGIN IMMEDIATE``), so what it reads before writing
        (the athlete names a new save joins) cannot change under it: two tabs saving "Ana Lee"
        and "ana lee" at once made two athletes.
        """
        if not create:
            self._must_exist()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10.0, isolation_level=None)) as db:
                db.row_factory = sqlite3.Row
                version, tables = self._check_ours(db)  # someone else's tables are left as they are
                if version < SCHEMA_VERSION or "sessions" not in tables:
                    db.executescript(_SCHEMA)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    if db.in_transaction:  # SQLite may have rolled back already (a full disk)
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise HistoryError(f"the history file {self.path} cannot be written ({_plain(exc)}).") from None

    def _must_exist(self) -> None:
        """An edit or a delete on a file that is not there (its drive not mounted, its folder
        renamed) created a new empty history in its place, said "no longer in the history
        (deleted in another tab)", and the next saves went into that file (review U)."""
        if not self.path.is_file():
            raise HistoryError(
                f"the history file {self.path} is not there (moved, deleted, or on a drive that is not "
                "connected); nothing was changed."
            )

    def _check_ours(self, db) -> tuple[int, set[str]]:
        """The file's schema version and tables, once they are known to be RepLab's (or none)."""
        self._check_columns(db)
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self._check_not_foreign(version, tables)
        return version, tables

    def _check_not_foreign(self, version: int, tables: set[str]) -> None:
        """Never add RepLab's tables to another program's database (a history path pointed
        at the wrong file got them, and the file a RepLab version stamp)."""
        others = tables - {"sessions", "sqlite_sequence"}
        if version == 0 and "sessions" not in tables and others:
            raise HistoryError(
                f"the history file {self.path} is another program's database (tables: "
                f"{', '.join(sorted(others)[:3])}): point REPLAB_HISTORY_DB at another file."
            )

    def _check_columns(self, db) -> None:
        """A 'sessions' table made by something else is one readable error (it gave KeyErrors
        and "no such column"), and is never written to."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)").fetchall()}
        if columns and not columns >= REQUIRED_COLUMNS:
            missing = ", ".join(sorted(REQUIRED_COLUMNS - columns))
            raise HistoryError(
                f"the history file {self.path} has a 'sessions' table that is not RepLab's (no {missing})."
            )

    # ---- writing -------------------------------------------------------------------
    def add_session(
        self,
        athlete: str,
        clip_name: str,
        clip_hash: str,
        exercise: str,
        count: int,
        reps: Sequence,
        verdicts: Sequence | None = None,
        notes: str = "",
        created_at: datetime | None = None,
    ) -> int:
        """Save one analysis; returns its id.

        ``reps`` and ``verdicts`` are objects with ``to_dict()`` (``Rep``, ``RepVerdict``)
        or plain dicts; verdicts need a boolean ``good`` for the good-rep share.
        """
        args = (athlete, clip_name, clip_hash, exercise, count, reps, verdicts, notes, created_at)
        return self._add(*args, once=False)[0]

    def add_session_once(self, *analysis, **fields) -> tuple[int, dict | None]:
        """``add_session`` (same arguments) unless this athlete has the same analysis saved
        (``find_saved``: the newest with the same notes, else the newest with other notes):
        then nothing is written. Returns the new entry's id and None, or the saved twin's id and the twin (a
        dict, as ``session`` gives it).

        The check runs inside the save's write transaction: run first on its own, two tabs
        saving one analysis at the same moment both found nothing and saved it twice (3 trials in
        10 in the previous review; with 4 racing processes, every trial: review AP)."""
        return self._add(*analysis, once=True, **fields)

    def _add(
        self,
        athlete,
        clip_name,
        clip_hash,
        exercise,
        count,
        reps,
        verdicts=None,
        notes="",
        created_at=None,
        *,
        once,
    ) -> tuple[int, dict | None]:
        """``add_session``; with ``once``, ``add_session_once``."""
        athlete = normalise_athlete(athlete)
        if not athlete:
            raise ValueError("An athlete name is needed to save to the history.")
        rep_dicts = [_as_dict(r) for r in reps]
        verdict_dicts = [_as_dict(v) for v in verdicts] if verdicts is not None else None
        good = judged = None
        if verdict_dicts is not None:
            # a rep without a verdict ("not a squat", "unknown") is not judged; older dicts lack the key
            judged = sum(1 for v in verdict_dicts if v.get("judged", True))
            good = sum(1 for v in verdict_dicts if v.get("good"))
        stamp = (created_at or datetime.now(UTC)).isoformat(timespec="seconds")
        with self._transaction() as db:
            if once and (twin := self._twin(db, athlete, clip_hash, exercise, count, notes, verdict_dicts)):
                return twin["id"], twin
            # one athlete, one name: "ana lee" joins an "Ana Lee" already saved (read under
            # the write lock, so a save at the same moment from another tab is seen)
            known = db.execute("SELECT athlete FROM sessions GROUP BY athlete ORDER BY MIN(id)").fetchall()
            athlete = next(iter(_same_athlete([row[0] for row in known], athlete)), athlete)
            cursor = db.execute(
                "INSERT INTO sessions (created_at, athlete, clip_name, clip_hash, exercise, count, "
                "good_reps, judged_reps, reps_json, verdicts_json, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    stamp, athlete, clip_name, clip_hash, exercise.strip() or "unknown", int(count),
                    good, judged, json.dumps(rep_dicts, default=_json_default),
                    json.dumps(verdict_dicts, default=_json_default) if verdict_dicts is not None else None,
                    notes,
                ),
            )  # fmt: skip
            return int(cursor.lastrowid), None

    def delete_session(self, session_id: int) -> bool:
        """Remove one saved analysis; True when it existed."""
        with self._transaction(create=False) as db:
            return db.execute("DELETE FROM sessions WHERE id = ?", (int(session_id),)).rowcount > 0

    def update_notes(self, session_id: int, notes: str, was: str | None = None) -> bool:
        """Replace one saved analysis's notes; True when it exists. A typo in a note used to
        mean saving the analysis again: a second session, counted twice in the trends.

        ``was``: the notes the edit started from; if the saved notes are other ones now (saved
        from another tab meanwhile), nothing is written and ``NotesChangedError`` says so (the
        other tab's notes were overwritten, unannounced: review U)."""
        with self._transaction(create=False) as db:
            row = db.execute("SELECT notes FROM sessions WHERE id = ?", (int(session_id),)).fetchone()
            if row is None:
                return False
            if was is not None and row["notes"] != was:
                raise NotesChangedError(int(session_id), row["notes"])
            db.execute("UPDATE sessions SET notes = ? WHERE id = ?", (notes, int(session_id)))
            return True

    # ---- reading -------------------------------------------------------------------
    def sessions(self, athlete: str | None = None, tz: tzinfo | None = None) -> list[dict]:
        """Saved analyses, oldest first; each a dict with decoded ``reps`` and ``verdicts``, and
        its time in ``tz`` (the viewer's time zone; None: this machine's)."""
        rows = self._read(lambda db: _athlete_rows(db, athlete), [])
        return [self._decode(row, tz) for row in rows]

    def find_saved(
        self, athlete: str, clip_hash: str, exercise: str, count: int, notes: str | None = "", verdicts=None
    ) -> dict | None:
        """The newest entry of this athlete (any stored spelling) that holds the same analysis:
        same clip, exercise, count, notes (``None``: whatever its notes) and verdicts (label,
        pass and the bar of each rep: a squat judged again at another strictness is a new
        analysis); None if there is none or no name is given.

        The dashboard asks before saving: a second click on Save stored the same analysis
        twice, unannounced, and so did a save that only changed the notes."""
        if not athlete.strip():
            return None
        return _newest_same(
            self.sessions(athlete), clip_hash, exercise, count, notes, _verdict_calls(verdicts)
        )

    def _twin(self, db, athlete, clip_hash, exercise, count, notes, verdicts) -> dict | None:
        """``find_saved``'s entry, with the same notes first, else with any, read on ``db``
        (inside a save's transaction, under the write lock: only the entries of this clip are
        decoded, not each of the athlete's reps and verdicts)."""
        saved = [self._decode(row) for row in _athlete_rows(db, athlete) if row["clip_hash"] == clip_hash]
        wanted = _verdict_calls(verdicts)
        return _newest_same(saved, clip_hash, exercise, count, notes, wanted) or _newest_same(
            saved, clip_hash, exercise, count, None, wanted
        )

    def session(self, session_id: int, tz: tzinfo | None = None) -> dict | None:
        """One saved analysis by its id, as ``sessions`` gives each (decoded ``reps`` and
        ``verdicts``, its time in ``tz``), or None when there is no such entry; its reps in
        rows for a table: ``session_rep_rows``."""
        row = self._read(
            lambda db: db.execute("SELECT * FROM sessions WHERE id = ?", (int(session_id),)).fetchone(), None
        )
        return self._decode(row, tz) if row is not None else None

    def athletes(self) -> list[str]:
        """Athlete names with at least one saved analysis, sorted; one per athlete (see
        ``athlete_key``), under the spelling saved first, as a new save joins it. A file saved
        before names were joined listed "Ana Lee" and "ana lee" as two athletes, each
        showing the same sessions (review U)."""
        rows = self._read(
            lambda db: db.execute(
                "SELECT athlete FROM sessions GROUP BY athlete ORDER BY MIN(id)"
            ).fetchall(),
            [],
        )
        first: dict[str, str] = {}
        for row in rows:
            first.setdefault(athlete_key(row[0]), row[0])
        return sorted(first.values(), key=str.casefold)

    def _decode(self, row: sqlite3.Row, tz: tzinfo | None = None) -> dict:
        item = dict(row)
        # stored in UTC; shown in the viewer's time zone (a save at 08:00 in Sydney is not
        # listed under the day before), this machine's when it is not known
        local = datetime.fromisoformat(item["created_at"]).astimezone(tz)
        item["local_datetime"] = local.replace(tzinfo=None)  # for charts: wall-clock time there
        item["local_time"] = local.strftime("%Y-%m-%d %H:%M")
        item["reps"] = json.loads(item.pop("reps_json"))
        raw = item.pop("verdicts_json")
        item["verdicts"] = json.loads(raw) if raw is not None else None
        judged = item.get("judged_reps")
        item["good_share"] = (item["good_reps"] / judged) if judged else None
        # the bar its reps were judged against (saved with each verdict since the ninth session)
        item["p_good_needed"] = next(
            (v["p_good_needed"] for v in item["verdicts"] or [] if v.get("p_good_needed") is not None), None
        )
        return item

    def export_csv(
        self,
        path_or_buffer=None,
        athlete: str | None = None,
        month: str | None = None,
        tz: tzinfo | None = None,
    ) -> str:
        """One row per saved analysis (no per-rep detail); returns the CSV text too.

        ``month`` ("2026-03"): only the entries saved in that month in time zone ``tz`` (the
        viewer's, as the History page's Period box reads months; None: this machine's). With a
        month chosen, the page's export held the whole season under the athlete's name (review AT).

        A path gets the History page's download byte for byte (``for_spreadsheets``: UTF-8
        with a byte-order mark), written whole or not at all. It was written in the locale's
        encoding: under ``LC_ALL=C`` an accented name raised half way, leaving the previous
        export empty, and a spreadsheet read another locale's file with garbled accents. A
        text buffer gets the text as it is.
        """
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        sessions = self.sessions(athlete, tz=tz)
        for item in sessions if month is None else sessions_in_month(sessions, month):
            row = dict(item)
            for column in TYPED_COLUMNS:
                row[column] = spreadsheet_text(row[column])
            if row["good_share"] is not None:
                row["good_share"] = f"{row['good_share']:.3f}"
            if row["p_good_needed"] is not None:
                row["p_good_needed"] = f"{row['p_good_needed']:.2f}"
            writer.writerow(row)
        text = buffer.getvalue()
        if isinstance(path_or_buffer, str | os.PathLike):
            write_spreadsheet_csv(path_or_buffer, text)
        elif path_or_buffer is not None:
            path_or_buffer.write(text)
        return text
