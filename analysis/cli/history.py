"""``python -m analysis history list|show|export|save|notes|delete``: the athlete history.

The History page and the Analyse page's "Save to history", from the command line, on the
same SQLite file the app uses (``--db``, default ``$REPLAB_HISTORY_DB`` or the user's data
folder): a coach can save a folder of clips from a script, or read the sessions on a
machine without a browser. ``save`` analyses the clip as the app does (the same pose
settings, count and verdicts) and saves by the same rules (``analysis.saving``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from analysis.cli.count import EXERCISE_NAMES
from analysis.errors import RepLabError
from analysis.strictness import add_strictness_option, check_strictness

# names only, as in ``count``: the counting package is imported when a save runs
# (tests/test_cli_history_render.py checks these match ``analysis.saving``)
SAVE_EXERCISES = (*EXERCISE_NAMES, "other")
LIST_FIELDS = (
    "id", "created_at", "athlete", "clip_name", "clip_hash", "exercise", "count",
    "good_reps", "judged_reps", "good_share", "p_good_needed", "notes",
)  # fmt: skip


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "history", help="the athlete history: list, show one entry rep by rep, export, save a clip, edit notes, delete",
        description="Saved analyses per athlete, in the SQLite file the dashboard uses.",
    )  # fmt: skip
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db", metavar="PATH",
        help="the history file (default: $REPLAB_HISTORY_DB, else ~/.local/share/replab/history.sqlite3)",
    )  # fmt: skip
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", parents=[db], help="the saved sessions, oldest first")
    listing.add_argument("--athlete", help="only this athlete (any spelling: 'ana lee' is 'Ana Lee')")
    listing.add_argument("--json", action="store_true", help="a JSON list, one object per session")
    listing.set_defaults(func=run_list)

    show = actions.add_parser(
        "show", parents=[db], help="one entry rep by rep, with its verdicts, reasons and faults (the History page's "
        "One session)",
    )  # fmt: skip
    show.add_argument("entry", type=int, metavar="ID")
    show.add_argument(
        "--json",
        action="store_true",
        help="one JSON object: the entry, its faults, its reps and verdicts as saved",
    )
    show.set_defaults(func=run_show)

    export = actions.add_parser(
        "export", parents=[db], help="the History page's CSV download (UTF-8 with a byte-order mark)"
    )
    export.add_argument("output", metavar="OUT.csv")
    export.add_argument("--athlete", help="only this athlete's sessions (default: everyone's)")
    export.add_argument(
        "--month", metavar="YYYY-MM",
        help="only the sessions saved in this month (the History page's Period), in --tz's time",
    )  # fmt: skip
    export.add_argument(
        "--tz", metavar="ZONE",
        help="the time zone --month is read in, an IANA name such as Europe/Berlin (default: this "
        "computer's, as `list` shows times; the History page reads months in the browser's)",
    )  # fmt: skip
    export.set_defaults(func=run_export)

    from analysis.cli.extract import add_pose_options

    save = actions.add_parser(
        "save", parents=[db], help="analyse a clip and save it, as the Analyse page's Save analysis"
    )
    save.add_argument("video", metavar="VIDEO")
    save.add_argument("--athlete", required=True, help="who the clip shows")
    save.add_argument(
        "--exercise",
        help=f"what it is saved as ({', '.join(SAVE_EXERCISES)}); default: squat when the clip shows "
        "squats, else other (counted without an exercise name)",
    )
    save.add_argument("--notes", default="", help="notes saved with the entry")
    add_strictness_option(save)
    add_pose_options(save.add_argument_group("pose pass"))
    save.set_defaults(func=run_save)

    notes = actions.add_parser(
        "notes", parents=[db], help="replace an entry's notes (the History page's Edit)"
    )
    notes.add_argument("entry", type=int, metavar="ID")
    notes.add_argument("text", metavar="TEXT")
    notes.set_defaults(func=run_notes)

    delete = actions.add_parser("delete", parents=[db], help="delete one entry for good")
    delete.add_argument("entry", type=int, metavar="ID")
    delete.set_defaults(func=run_delete)


def _store(args):
    from analysis.history import HistoryStore

    return HistoryStore(args.db)


def run_list(args) -> int:
    from analysis.history import form_summary

    sessions = _store(args).sessions(args.athlete)
    if args.json:
        json.dump([{key: s[key] for key in LIST_FIELDS} for s in sessions], sys.stdout, ensure_ascii=False)
        print()
        return 0
    if not sessions:
        print("no saved analyses" + (f" for {args.athlete}" if args.athlete else ""), file=sys.stderr)
        return 0
    rows = [("id", "date (local time)", "athlete", "clip", "exercise", "reps", "form", "notes")]
    rows += [
        (str(s["id"]), s["local_time"], s["athlete"], s["clip_name"], s["exercise"], str(s["count"]),
         form_summary(s), " ".join(s["notes"].split()))
        for s in sessions
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:  # the notes last, unpadded: they can be long
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
    return 0


def run_show(args) -> int:
    """The History page's "One session, rep by rep": each rep's times, verdict, P(good),
    faults and reason, and the faults the session's reps showed. Only the page could show
    them: ``list`` has one row per entry, and a script had to decode the stored verdicts."""
    from analysis.history import fault_counts, form_summary, session_rep_rows
    from analysis.wording import count_words, rep_numbers_words

    store = _store(args)
    entry = store.session(args.entry)
    if entry is None:
        raise RepLabError(f"entry #{args.entry} is not in the history {store.path}")
    rows = session_rep_rows(entry)
    faults = {name: counts[0] for name, counts in fault_counts([entry]).items()}
    if args.json:
        # as stored: numbers stay numbers (the text's rows are worded for reading), and each
        # verdict is the object `form --json` prints for its rep
        out = {key: entry[key] for key in LIST_FIELDS} | {
            "faults": faults, "reps": entry["reps"], "verdicts": entry["verdicts"],
        }  # fmt: skip
        json.dump(out, sys.stdout, ensure_ascii=False)
        print()
        return 0
    summary = f"; {form_summary(entry)}" if entry["verdicts"] is not None else ""
    print(
        f"#{entry['id']} {entry['athlete']}, {entry['local_time']} (local time), {entry['clip_name']}: "
        f"{entry['count']} {entry['exercise']} rep{'' if entry['count'] == 1 else 's'}{summary}"
    )
    if entry["notes"]:
        print("notes: " + " ".join(entry["notes"].split()))
    if faults:
        print("faults: " + ", ".join(f"{name} in {count_words(n, 'rep')}" for name, n in faults.items()))
    if not rows:
        print("no reps were counted in this entry")
        return 0
    for row in rows:  # the columns the page's table shows, then the reason in words
        times = ", ".join(
            f"{key.removesuffix(' (s)')} {value:.2f} s" for key, value in list(row.items())[1:4]
        )
        verdict = f": {row['verdict']} (p_good {row['p(good)']})" if row["verdict"] else ""
        reason = f" - {row['reason']}" if row["reason"] else ""
        print(f"rep {row['rep']} ({times}){verdict}{reason}")
    skipped = sorted(set(range(1, rows[-1]["rep"] + 1)) - {row["rep"] for row in rows})
    if skipped:  # numbered as in the clip: the movements that were not squats are not saved
        print(f"not saved: {rep_numbers_words(skipped)} of the clip (not squats)")
    return 0


def run_export(args) -> int:
    from analysis.cli.extract import check_output_path
    from analysis.history import check_month, month_words

    month = check_month(args.month) if args.month is not None else None
    zone = _zone(args.tz)
    check_output_path(args.output)  # a missing folder, or a folder as the output
    store = _store(args)
    try:
        text = store.export_csv(args.output, athlete=args.athlete, month=month, tz=zone)
    except OSError as exc:
        raise RepLabError(f"cannot write {args.output} ({exc.strerror or exc})") from None
    rows = text.count("\n") - 1
    of = f" of {month_words(month)}" if month else ""  # "0 saved analyses": of which month
    print(
        f"{rows} saved {'analysis' if rows == 1 else 'analyses'}{of} written to {args.output}",
        file=sys.stderr,
    )
    return 0


def _zone(name: str | None):
    """``--tz``: a time zone by its IANA name (None: this computer's). The History page reads
    months in the browser's zone; a server's is often UTC, where a save at 08:00 on 1 March in
    Sydney is still February."""
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" alone is a folder of zones
        raise RepLabError(
            f"unknown time zone {name!r}: give an IANA name such as Europe/Berlin, or UTC"
        ) from None


def run_save(args) -> int:
    from analysis.cli.extract import check_video_path, pose_kwargs
    from analysis.cli.progress import ProgressBar
    from analysis.history import normalise_athlete
    from analysis.pose import extract_pose
    from analysis.saving import (
        ALREADY_SAVED,
        NoAthleteError,
        default_exercise,
        judge_squats,
        save_analysis,
        saved_exercise_name,
    )
    from analysis.wording import count_words, cut_short_words

    # everything the user typed is checked before the pose pass, which takes a while
    if not normalise_athlete(args.athlete):
        raise NoAthleteError()
    # "Push-up" is push_up; not named (or "auto"): squat if the clip shows squats, else other
    # (the page's default)
    exercise = saved_exercise_name(args.exercise)
    check_strictness(args.strictness)
    check_video_path(args.video, "history save")
    store = _store(args)
    if reason := store.cannot_write():
        raise RepLabError(f"saving is off: {reason}")
    track = extract_pose(args.video, progress=ProgressBar("pose"), **pose_kwargs(args))
    name = os.path.basename(args.video)
    if cut := cut_short_words(track.meta):
        print(f"{name}: warning: {cut}", file=sys.stderr)
    if exercise is None:
        exercise = default_exercise(track, strictness=args.strictness)
    outcome = save_analysis(
        store, track, exercise, args.athlete, args.notes, clip_name=name, strictness=args.strictness,
        judge=judge_squats,
    )  # fmt: skip
    if outcome.no_verdicts:
        print(f"{name}: warning: saved without form verdicts: {outcome.no_verdicts}", file=sys.stderr)
    where = f"already saved for {outcome.athlete} as entry {outcome.entry_id}"
    if outcome.status == ALREADY_SAVED:
        print(f"{name}: {where}; nothing new to save")
        return 0
    if not outcome.saved:  # the same analysis with other notes: the notes are edited in place
        raise RepLabError(
            f"{name}: {where}, with other notes: change them with "
            f"`python -m analysis history notes {outcome.entry_id} TEXT`"
        )
    left_out = ""
    if outcome.left_out:
        spans = ", ".join(f"{v.start_s:.1f}-{v.end_s:.1f} s" for v in outcome.left_out)
        left_out = (
            f"; left out: {count_words(len(outcome.left_out), 'movement')} that the form check found "
            f"not to be a squat ({spans})"
        )
    print(
        f"{name}: saved for {outcome.athlete} as entry {outcome.entry_id}: "
        f"{count_words(outcome.count, 'rep')} ({outcome.exercise}){left_out}"
    )
    return 0


def run_notes(args) -> int:
    store = _store(args)
    entry = store.session(args.entry)
    if entry is None:
        raise RepLabError(f"entry #{args.entry} is not in the history {store.path}")
    if entry["notes"] == args.text:
        print(f"The notes of entry #{args.entry} are as saved: nothing to change.", file=sys.stderr)
        return 0
    if not store.update_notes(args.entry, args.text):  # deleted meanwhile, from the app
        raise RepLabError(f"entry #{args.entry} is no longer in the history (deleted meanwhile)")
    print(f"Notes of entry #{args.entry} saved.", file=sys.stderr)
    return 0


def run_delete(args) -> int:
    from analysis.history import athlete_key

    store = _store(args)
    entry = store.session(args.entry)
    if entry is None or not store.delete_session(args.entry):
        raise RepLabError(f"entry #{args.entry} is not in the history {store.path}")
    notice = f"Deleted entry #{args.entry} ({entry['athlete']}, {entry['clip_name']})."
    if not any(athlete_key(name) == athlete_key(entry["athlete"]) for name in store.athletes()):
        notice += f" {entry['athlete']} has no saved analyses left."
    print(notice, file=sys.stderr)
    return 0
