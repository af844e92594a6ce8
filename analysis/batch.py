"""Batch analysis: many clips in, one folder of results per clip and a summary table out.

A coach's season of videos or a researcher's data set is analysed the same way as one
clip in the app: pose track, rep count (with every counter's opinion) and, for squats,
a form verdict per rep. What batch adds is bookkeeping:

- **Resume.** Each clip's results go to ``<outdir>/<stem>-<hash8>/`` (``track.npz``,
  ``counts.json``; for squats ``verdicts.json``, ``verdicts.csv`` and ``report.html``, the
  coach's report); a ``result.json``
  written last records the clip's content hash and the settings. A re-run skips every
  clip whose record matches, so an interrupted run continues where it stopped.
- **Failures are rows, not crashes.** A clip that cannot be read or shows nobody is
  listed in ``summary.csv`` with the reason; the others carry on.
- **Parallelism that fits the machine.** ``workers`` processes analyse different clips at
  once (joblib), each clip in the same time chunks as the dashboard and the other
  commands (``analysis.pose.DEFAULT_CHUNKS``, one thread each), so a clip's track, counts
  and verdicts are the ones the dashboard shows. (Before, clips in parallel ran as single
  passes, whose slightly different landmarks changed two of the six squat verdicts of two
  clips against the dashboard's.) With a Dask ``scheduler`` the clips go to the cluster's
  workers, one clip per worker thread, chunked the same way.

Files are written atomically (temporary name, then rename), so a killed run never leaves
a half-written result that a resume would trust. One run at a time writes to an output
folder (``_only_run``). The CSVs (``summary.csv``, ``verdicts.csv``) are for spreadsheets:
UTF-8 with a byte-order mark (``files.for_spreadsheets``).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import glob
import io
import json
import os
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from analysis.cache import TrackCache, file_hash, settings_key
from analysis.errors import RepLabError
from analysis.files import SPREADSHEET_ENCODING, try_lock, write_spreadsheet_csv, write_text
from analysis.pose import DEFAULT_CHUNKS, PoseSettings, extract_pose
from analysis.strictness import DEFAULT_STRICTNESS
from analysis.video import VIDEO_EXTENSIONS
from analysis.wording import count_words, cut_short_words

SUMMARY_FIELDS = (
    "path", "status", "error", "warning", "frames", "detection_rate", "count", "method", "n_good", "n_faulty",
    "n_unjudged", "seconds", "folder",
)  # fmt: skip
RESULT_FILE = "result.json"
# every file a clip's run may write beside its record (squat runs write the last three)
RESULT_FILES = ("track.npz", "counts.json", "verdicts.json", "verdicts.csv", "report.html")
SUMMARY_FILE = "summary.csv"
# 6: a rep the person is missing from for over a quarter of its frames is "unknown", the
# summary says how many squat reps went unjudged, verdicts.csv has a byte-order mark;
# 5: chunked tracks hand over by the tenth session's rule (pose_chunks.HANDOFF_RULE),
# verdicts never name a fault whose own measure the body cannot reach, squat runs count
# squats only; 4: verdicts carry p_good_needed, counts read the picture's geometry, new
# frames (older results are redone); 3: verdicts.csv has deepest_s, and the tracks' cache version changed;
# 2: squat clips also get verdicts.csv and report.html
_FORMAT_VERSION = 7  # 7: counts.json has count --json's warning (a file cut short)

ProgressFn = Callable[[int, int, "ClipResult"], None]  # (clips done, clips in total, the latest)


@dataclass
class ClipResult:
    """One clip's outcome: a row of ``summary.csv``."""

    path: str
    status: str  # "ok", "failed" or "skipped" (done by an earlier run)
    error: str = ""
    warning: str = ""  # a file cut short (``wording.cut_short_words``): counted up to the cut
    frames: int | None = None
    detection_rate: float | None = None
    count: int | None = None
    method: str = ""
    n_good: int | None = None  # squat reps judged good (None: no form check ran)
    n_faulty: int | None = None
    # squat reps not judged: hidden at the bottom or for much of the rep (n_good + n_faulty +
    # n_unjudged = count; a coach read "3 reps, 1 good, 1 faulty" and looked for the third)
    n_unjudged: int | None = None
    seconds: float = 0.0
    folder: str = ""  # where its files are ("" when it failed)

    def row(self) -> dict:
        row = {name: getattr(self, name) for name in SUMMARY_FIELDS}
        if row["detection_rate"] is not None:
            row["detection_rate"] = round(row["detection_rate"], 4)
        row["seconds"] = round(row["seconds"], 2)
        return {name: "" if value is None else value for name, value in row.items()}


_PATTERN = re.compile(r"[*?[]")  # what makes an input a glob pattern


@dataclass(frozen=True)
class FoundClips:
    """The clips a run's inputs name, found once (``gather_clips``), and the inputs that named
    none. ``BatchAnalyser.run`` takes it in place of the inputs and analyses exactly these
    clips: a caller that shows the list first (the CLI names each clip by its path from the
    folder they share) or keeps only some of them (``dataclasses.replace(found, paths=...)``)
    runs the list it saw. Walked again, a clip copied in meanwhile was analysed but not named."""

    inputs: tuple[str, ...]  # as given, for "no clips found in ..."
    paths: tuple[Path, ...]  # sorted, each file once
    unmatched: tuple[str, ...] = ()  # a folder without videos or a pattern matching nothing


def gather_clips(spec: str | os.PathLike | Sequence[str | os.PathLike]) -> FoundClips:
    """Walk the folders and patterns of ``spec`` once (see ``find_clips`` for what they mean)."""
    per_input = _clips_per_input(spec)
    return FoundClips(
        inputs=tuple(per_input),
        paths=tuple(_unique(per_input)),
        unmatched=tuple(item for item, matches in per_input.items() if not matches),
    )


def find_clips(spec: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """The clips a batch run means: a folder (searched recursively for video files), a glob
    pattern (``**`` allowed; every matching file, so a broken one shows up as failed), one
    file (kept even when missing, to be listed as failed), or a list of any of these.
    Sorted, without duplicates."""
    return list(gather_clips(spec).paths)


def _clips_per_input(spec) -> dict[str, list[Path]]:
    """Each input's clips (see ``find_clips``), so a run can name the inputs that matched none."""
    specs = [spec] if isinstance(spec, (str, os.PathLike)) else list(spec)
    out: dict[str, list[Path]] = {}
    for item in map(os.fspath, specs):
        if os.path.isdir(item):
            matches = [
                p for p in Path(item).rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS
            ]
        elif os.path.isfile(item) or not _PATTERN.search(item):
            # a file named outright that is missing is a failed row ("no such file"), not
            # silently nothing: only a pattern may match no file
            matches = [Path(item)]
        else:
            matches = [Path(p) for p in glob.glob(item, recursive=True) if os.path.isfile(p)]
        out.setdefault(item, []).extend(matches)
    return out


def _unique(per_input: dict[str, list[Path]]) -> list[Path]:
    """Every input's clips together, sorted, each file once (two inputs may name it)."""
    found: dict[str, Path] = {}
    for path in (path for matches in per_input.values() for path in matches):
        found.setdefault(os.path.abspath(path), path)
    return [found[key] for key in sorted(found)]


def same_files(paths: Sequence[Path]) -> dict[int, int]:
    """Which paths are a later copy of an earlier one with the same name and bytes (index ->
    the first one's index). Such copies share one output folder (``clip_folder``), so they
    are analysed once: analysed each, the second was "skipped" by a local run and written
    over the first's files by a Dask one, and the two summaries differed (review Y). Only
    files of one name and one size are hashed to tell."""
    groups: dict[tuple[str, int], list[int]] = {}
    for index, path in enumerate(paths):
        try:
            groups.setdefault((Path(path).stem, os.path.getsize(path)), []).append(index)
        except OSError:  # missing or unreadable: listed as failed by its own analysis
            continue
    twins: dict[int, int] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        first_of: dict[str, int] = {}
        for index in members:
            try:
                digest = file_hash(paths[index])
            except OSError:
                continue
            if digest in first_of:
                twins[index] = first_of[digest]
            else:
                first_of[digest] = index
    return twins


def shown_names(paths: Sequence[str | os.PathLike]) -> dict[str, str]:
    """How progress lines name each clip: its path from the folder all ``paths`` share (keyed
    by the absolute path). Named by file name alone, two clips of one name in two folders
    (which a run takes, ``same_files``) were two alike lines; clips of one folder keep their
    bare names, and a path from the shared folder stays short enough for a terminal row."""
    absolute = [os.path.abspath(path) for path in paths]
    if not absolute:
        return {}
    root = os.path.commonpath([os.path.dirname(path) for path in absolute])
    return {path: os.path.relpath(path, root) for path in absolute}


def as_twin(result: ClipResult, path: Path) -> ClipResult:
    """The summary row of ``path``, a copy of the clip ``result`` is about (``same_files``)."""
    if result.status == "failed":
        return replace(result, path=os.fspath(path))
    note = f"the same file as {result.path}, analysed once (its files are in {Path(result.folder).name})"
    return replace(result, path=os.fspath(path), warning="; ".join(filter(None, (result.warning, note))))


def plan_workers(n_clips: int, workers: int) -> tuple[int, int]:
    """(clips analysed at once, time chunks per clip) for ``workers`` processes.

    Every clip is cut into the dashboard's time chunks (``DEFAULT_CHUNKS``, on any machine),
    whatever runs beside it, so its track does not depend on how many clips were in the
    batch or on the machine. Two clips at once on two cores therefore run four
    pose graphs: the same CPU work, shared by the operating system.
    """
    workers = max(1, int(workers))
    return max(1, min(workers, n_clips)), DEFAULT_CHUNKS


def clip_folder(outdir: str | os.PathLike, path: str | os.PathLike, content_hash: str) -> Path:
    """``<outdir>/<stem>-<first 8 hex digits of the content hash>``: clips with the same
    name in different folders do not collide, and an edited clip gets a new folder."""
    return Path(outdir) / f"{Path(path).stem}-{content_hash[:8]}"


def run_key(
    content_hash: str, settings: PoseSettings, exercise: str | None, strictness: float | None = None
) -> str:
    """What a stored result depends on: the clip's bytes, the pose settings, the exercise
    (and for squats a strictness set for the verdicts; None, the default, keeps the key
    stored before there was one)."""
    fields = {**settings.cache_fields(), "exercise": exercise or "auto", "batch_format": _FORMAT_VERSION}
    if _is_squat(exercise) and strictness is not None:
        fields["strictness"] = round(float(strictness), 4)
    if _is_squat(exercise):
        # the verdicts' model: `train-form` rewrites models/squat_form.joblib in place, and a
        # resumed squat run kept every clip's verdicts from the model before
        fields["form_model"] = _form_model_hash()
    return settings_key(content_hash, fields)


def _form_model_hash() -> str:
    """The squat-form model file's content hash ("" when it is missing: the run then fails
    each squat clip with load_model's message, and nothing is stored)."""
    from analysis.form.verdict import DEFAULT_MODEL_PATH

    try:
        stat = DEFAULT_MODEL_PATH.stat()
    except OSError:
        return ""
    return _hash_of(os.fspath(DEFAULT_MODEL_PATH), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _hash_of(path: str, size: int, mtime_ns: int) -> str:  # size and time: a rewrite is hashed again
    return file_hash(path)


def _write_json(path: Path, data) -> None:
    write_text(path, json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


def _stored_result(folder: Path, key: str) -> dict | None:
    """The record of an earlier successful run with the same key, if its files are all there."""
    try:
        record = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("key") != key or record.get("status") != "ok":
        return None
    if not all((folder / name).is_file() for name in record.get("files", [])):
        return None
    return record


def _is_squat(exercise: str | None) -> bool:
    """Form verdicts only make sense for squats, so only when the user says it is one
    (the counters find reps without knowing the exercise; they do not name it)."""
    return bool(exercise) and str(exercise).lower().replace("-", "_").startswith("squat")


def count_clip(track, path: str | os.PathLike, exercise: str | None = None) -> tuple[dict, list]:
    """The counting result as ``python -m analysis count --json`` prints it (the
    recommended count, its reps, and every pose-based counter's count), and its reps.

    The optical-flow counter is left out: it would decode the clip a second time.
    """
    # heavy: imported where used
    from analysis.counting import POSE_METHODS, RECOMMENDED, compare_counters, count_record

    results = compare_counters(track, methods=list(POSE_METHODS), exercise=exercise)
    main = results[RECOMMENDED]
    if main.error:
        raise RepLabError(f"{os.path.basename(os.fspath(path))}: counting failed ({main.error})")
    counts = count_record(path, main, results)
    if cut_short_words(track.meta):  # as `count --json`: the summary said it, counts.json did not
        counts["warning"] = cut_short_words(track.meta)
    return counts, list(main.reps)


def _no_squat_words(counts: dict) -> str:
    """Why a squat run counts none when the counter found movements and the form check
    judged every one no squat (a push-up clip: 12 found, 0 squats, and the row said nothing,
    where a curl's row said why); "" otherwise."""
    found = counts["count"]
    if counts.get("squat_count") != 0 or not found or counts.get("none_because"):
        return ""
    looks = "it does not look" if found == 1 else "none of them looks"
    return (
        f"counted on the knee angle, the clip shows {count_words(found, 'movement')}, and {looks} "
        "like a squat (verdicts.csv says why)"
    )


def squat_verdicts(track, reps: list, strictness: float | None = None) -> list:
    """Form verdicts of the counted reps at ``strictness`` (None: the Squat form page's
    default); a missing or unreadable model is a ``RepLabError``."""
    from analysis.form import assess_squat_reps  # heavy: imported where used

    return assess_squat_reps(track, reps, strictness=DEFAULT_STRICTNESS if strictness is None else strictness)


def _write_squat_files(folder: Path, path: str | os.PathLike, track, verdicts: list) -> None:
    """The verdicts as JSON (everything) and CSV (the Squat form page's table), and the
    coach's HTML report with each rep's bottom frame (``analysis.report``)."""
    from analysis.form import write_verdicts_csv
    from analysis.report import form_report_html

    _write_json(folder / "verdicts.json", [v.to_dict() for v in verdicts])
    table = io.StringIO()
    write_verdicts_csv(verdicts, table)
    # as the Squat form page's download: the reasons' "°" came out as "Â°" in a spreadsheet
    # that guesses the local code page
    write_spreadsheet_csv(folder / "verdicts.csv", table.getvalue())
    write_text(folder / "report.html", form_report_html(path, track, verdicts))


def analyse_clip(
    path: str | os.PathLike,
    outdir: str | os.PathLike,
    settings: PoseSettings | None = None,
    exercise: str | None = None,
    workers: int = DEFAULT_CHUNKS,
    cache: TrackCache | bool | None = True,
    overwrite: bool = False,
    frame_progress: Callable[[int, int], None] | None = None,
    shown_path: str | None = None,
    strictness: float | None = None,
) -> ClipResult:
    """Analyse one clip into its folder under ``outdir``; never raises for a bad clip.

    A plain function of picklable arguments, so joblib and Dask can ship it to workers.
    ``frame_progress(done, total)`` follows the pose pass (in-process runs only).
    ``shown_path`` is the path recorded in the results when ``path`` is not the one the
    user gave (a Dask worker opens an absolute path; the summary keeps the user's).
    """
    settings = settings or PoseSettings()
    started = time.perf_counter()
    opened, path = path, shown_path if shown_path is not None else os.fspath(path)
    result = ClipResult(path=path, status="failed")
    try:
        content_hash = file_hash(opened)
        folder = clip_folder(outdir, path, content_hash)
        key = run_key(content_hash, settings, exercise, strictness)
        stored = None if overwrite else _stored_result(folder, key)
        if stored is not None:
            values = {
                name: stored.get(name) for name in SUMMARY_FIELDS if name not in ("path", "status", "folder")
            }
            # the time the analysis took when it ran, not the look-up's 0.0 s: a resumed
            # run's summary still says what each clip cost
            values["seconds"] = float(stored.get("seconds") or 0.0)
            return ClipResult(**values, path=os.fspath(path), status="skipped", folder=str(folder))

        track = extract_pose(opened, progress=frame_progress, workers=workers, settings=settings, cache=cache)
        counts, reps = count_clip(track, path, exercise)
        files = ["track.npz", "counts.json"]
        verdicts = squat_verdicts(track, reps, strictness) if _is_squat(exercise) else None
        squat_count = None
        if verdicts is not None:
            from analysis.form.verdict import UNKNOWN, squats_only  # loaded by squat_verdicts already

            files += ["verdicts.json", "verdicts.csv", "report.html"]
            squat_count = len(squats_only(reps, verdicts)[0])
            # the summary's count; "count" stays every rep found, as `count --json` prints it
            counts["squat_count"] = squat_count

        folder.mkdir(parents=True, exist_ok=True)
        # An earlier run's record must not vouch for files this run is rewriting: were it
        # killed half way, a resume would skip the clip with a mix of old and new files.
        (folder / RESULT_FILE).unlink(missing_ok=True)
        track.save(folder / "track.npz")
        _write_json(folder / "counts.json", counts)
        if verdicts is not None:
            _write_squat_files(folder, opened, track, verdicts)
        for stale in RESULT_FILES:  # an earlier squat run's verdicts beside a run without them
            if stale not in files:
                (folder / stale).unlink(missing_ok=True)
        result = ClipResult(
            path=os.fspath(path),
            status="ok",
            # a file cut short, and why a clip counts none (a curl in a squat run said nothing)
            warning="; ".join(
                filter(
                    None, (cut_short_words(track.meta), counts.get("none_because"), _no_squat_words(counts))
                )
            ),
            frames=len(track),
            detection_rate=float(track.detection_rate),
            # a squat run counts squats, as the History saves them
            count=int(counts["count"]) if squat_count is None else squat_count,
            method=str(counts["method"]),
            n_good=None if verdicts is None else sum(bool(v.good) for v in verdicts),
            n_faulty=None if verdicts is None else sum(v.judged and not v.good for v in verdicts),
            n_unjudged=None if verdicts is None else sum(v.label == UNKNOWN for v in verdicts),
            folder=str(folder),
        )
        result.seconds = time.perf_counter() - started
        record = {**result.row(), "key": key, "source_hash": content_hash, "files": files}
        record.update(
            {
                k: getattr(result, k)
                for k in ("frames", "detection_rate", "count", "n_good", "n_faulty", "n_unjudged")
            }
        )
        _write_json(folder / RESULT_FILE, record)  # last: marks the clip as done
        return result
    except RepLabError as exc:
        result.error = str(exc)
    except OSError as exc:
        result.error = f"{os.path.basename(os.fspath(path))}: cannot read the file ({exc.strerror or exc})."
    except Exception as exc:  # one clip's surprise must not stop a season's run
        result.error = f"{type(exc).__name__}: {exc}{unexpected_error_logged(outdir, path)}"
    result.seconds = time.perf_counter() - started
    return result


ERRORS_LOG = "errors.log"


def unexpected_error_logged(outdir: str | os.PathLike, path: str) -> str:
    """Append the exception being handled, with its traceback, to ``OUTDIR/errors.log``.

    Called for an error that is no bad input (a bug): the run goes on to the next clip,
    and the summary's error column points here instead of losing where it happened.
    Returns the words the summary adds (nothing when the log cannot be written).
    """
    log = Path(outdir) / ERRORS_LOG
    try:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"--- {path} ({time.strftime('%Y-%m-%d %H:%M:%S')})\n{traceback.format_exc()}\n")
    except OSError:
        return ""
    return f" (unexpected; traceback in {ERRORS_LOG})"


def write_summary(results: Iterable[ClipResult], path: str | os.PathLike) -> None:
    """``summary.csv``: one row per clip (see ``SUMMARY_FIELDS``), written atomically, for a
    spreadsheet (``files.for_spreadsheets``): without the byte-order mark, Excel on Windows
    showed a clip named "José_sentadilla.mp4" as "JosÃ©_sentadilla.mp4"."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for result in results:
        writer.writerow(result.row())
    write_spreadsheet_csv(Path(path), buffer.getvalue())


def read_summary(path: str | os.PathLike) -> list[dict]:
    """Rows of a ``summary.csv`` as dicts of strings (with or without a byte-order mark: read
    as plain UTF-8, the mark stuck to the first column's name, "\\ufeffpath")."""
    with open(path, newline="", encoding=SPREADSHEET_ENCODING) as handle:
        return list(csv.DictReader(handle))


class BatchAnalyser:
    """Analyse many clips; results per clip plus ``summary.csv`` in an output folder.

    Args:
        workers: clips analysed at once on this machine (processes); each clip runs in
            the dashboard's time chunks (``DEFAULT_CHUNKS``), one thread each.
        scheduler: address of a Dask distributed scheduler (``tcp://host:8786``) or a
            ``distributed.Client``; the clips then run on its workers, which must see
            the same paths. ``None`` runs locally with joblib.
        exercise: the exercise if known (``"squat"`` also turns on form verdicts);
            ``None`` lets the counter decide.
        strictness: the squat verdicts' strictness, 0 (lenient) .. 1 (strict), as the
            Squat form page's slider and ``form --strictness``; None is their default (0.5).
        settings: pose settings (``PoseSettings()`` by default; ``stride`` for
            counting-only runs).
        cache: pose cache, as for ``extract_pose``.
        overwrite: analyse clips again even when their results are stored.

    After ``run``: ``results_`` (one ``ClipResult`` per clip, in input order),
    ``summary_path_`` and ``unmatched_`` (the inputs that named no clip: a folder without
    videos or a pattern matching nothing).

    To see or filter the clips before they run, find them first and run that list::

        found = gather_clips(["season/", "extra/*.mov"])  # found.paths, found.unmatched
        BatchAnalyser(exercise="squat").run(found, "results/")
    """

    def __init__(
        self,
        workers: int = 1,
        scheduler=None,
        exercise: str | None = None,
        settings: PoseSettings | None = None,
        cache: TrackCache | bool | None = True,
        overwrite: bool = False,
        strictness: float | None = None,
    ):
        self.workers = workers
        self.scheduler = scheduler
        self.exercise = exercise
        self.settings = settings
        self.cache = cache
        self.overwrite = overwrite
        self.strictness = strictness

    def run(
        self,
        inputs,
        outdir: str | os.PathLike,
        progress: ProgressFn | None = None,
        frame_progress: Callable[[str, int, int], None] | None = None,
    ) -> BatchAnalyser:
        """Analyse ``inputs`` (see ``find_clips``, or the ``FoundClips`` of ``gather_clips``,
        which are not looked for again) into ``outdir``; returns ``self``.

        One run at a time writes to an ``outdir``: a second one started meanwhile is refused
        (``RepLabError``) before any clip (``_only_run``).
        ``progress(done, total, result)`` is called as each clip finishes;
        ``frame_progress(path, done, total)`` follows each pose pass when clips run one
        at a time in this process (with parallel clips only finished clips are reported).
        """
        from analysis.counting.presets import exercise_key

        try:
            # a typo fails here, not once per clip; "Squat" and "squats" resume what "squat" stored
            exercise = exercise_key(self.exercise)
        except ValueError as exc:
            raise RepLabError(str(exc)) from None
        if self.strictness is not None and not 0.0 <= self.strictness <= 1.0:
            raise RepLabError(f"strictness {self.strictness}: must be between 0 and 1")
        found = inputs if isinstance(inputs, FoundClips) else gather_clips(inputs)
        paths = list(found.paths)
        if not paths:
            raise RepLabError(f"no clips found in {', '.join(map(repr, found.inputs))}")
        self.unmatched_ = list(found.unmatched)
        # Dask workers resolve paths against their own working folder: send absolute ones
        outdir = Path(outdir).absolute()
        _check_writable(outdir)
        with _only_run(outdir):
            self._run_all(paths, outdir, exercise, progress, frame_progress)
        return self

    def _run_all(self, paths: list[Path], outdir: Path, exercise, progress, frame_progress) -> None:
        """Analyse ``paths`` into ``outdir`` (checked and held by ``run``)."""
        client = _connect(self.scheduler) if self.scheduler is not None else None
        self.summary_path_ = outdir / SUMMARY_FILE
        done: dict[int, ClipResult] = {}
        twins = same_files(paths)  # a later path -> the first with the same name and bytes
        firsts = [i for i in range(len(paths)) if i not in twins]

        def collect(position: int, result: ClipResult) -> None:
            index = firsts[position]
            done[index] = result
            finished = [result]
            for twin in (j for j, first in twins.items() if first == index):
                done[twin] = as_twin(result, paths[twin])
                finished.append(done[twin])
            write_summary([done[i] for i in sorted(done)], self.summary_path_)  # partial runs leave a table
            if progress:
                for n, each in enumerate(finished, start=len(done) - len(finished) + 1):
                    progress(n, len(paths), each)

        kwargs = {
            "outdir": os.fspath(outdir),
            "settings": self.settings or PoseSettings(),
            "exercise": exercise,
            "cache": self.cache,
            "overwrite": self.overwrite,
            "strictness": self.strictness,
        }
        if client is not None:
            self._run_dask(client, [paths[i] for i in firsts], kwargs, collect)
        else:
            self._run_local([paths[i] for i in firsts], kwargs, collect, frame_progress)
        self.results_ = [done[i] for i in range(len(paths))]
        write_summary(self.results_, self.summary_path_)

    def _run_local(self, paths: list[Path], kwargs: dict, collect, frame_progress=None) -> None:
        from joblib import Parallel, delayed

        jobs, per_clip = plan_workers(len(paths), self.workers)
        if jobs == 1:  # in this process: no pool start-up, and frame progress
            for index, path in enumerate(paths):
                follow = None
                if frame_progress:
                    follow = functools.partial(frame_progress, os.fspath(path))
                collect(index, analyse_clip(path, workers=per_clip, frame_progress=follow, **kwargs))
            return

        def task(index: int, path: Path):
            return index, analyse_clip(path, workers=per_clip, **kwargs)

        parallel = Parallel(n_jobs=jobs, return_as="generator_unordered")
        for index, result in parallel(delayed(task)(i, p) for i, p in enumerate(paths)):
            collect(index, result)

    def _run_dask(self, client, paths: list[Path], kwargs: dict, collect) -> None:
        from distributed import as_completed

        owns_client = client is not self.scheduler
        try:
            futures = {
                client.submit(
                    _one_clip_on_dask, os.path.abspath(path), os.fspath(path), kwargs, pure=False
                ): index
                for index, path in enumerate(paths)
            }
            for future in as_completed(futures):
                index = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker died (e.g. out of memory): one line in the table
                    reason = " ".join(str(exc).split()) or type(exc).__name__
                    result = ClipResult(
                        path=os.fspath(paths[index]), status="failed", error=f"dask: {reason}"
                    )
                collect(index, result)
        finally:
            if owns_client:
                client.close()


PROBE_TIMEOUT_S = 60.0  # for the workers to run one trivial task (``_connect``)


def _connect(scheduler):
    """A ``distributed.Client`` for ``scheduler`` (an address or a client): an unreachable
    scheduler is one readable error, not a traceback after 30 s."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    try:
        client = Client(scheduler)
    except (OSError, TimeoutError, ValueError) as exc:
        raise RepLabError(f"cannot reach the Dask scheduler at {scheduler} ({exc}).") from None
    # Workers that cannot import RepLab failed every clip (one multi-line "failed" row each)
    # or, with the scheduler where it imports, never answered at all; one task of this
    # module's, run first, finds that out once, as an error that stops the run
    try:
        client.submit(_ready, pure=False).result(timeout=PROBE_TIMEOUT_S)
    except Exception as exc:
        client.close()
        if isinstance(exc, TimeoutError):
            reason = f"no worker ran a first task in {PROBE_TIMEOUT_S:.0f} s; a worker's log says why"
        else:
            reason = " ".join(str(exc).split()) or type(exc).__name__
        raise RepLabError(
            f"the Dask workers at {scheduler} cannot run RepLab ({reason}); start them where the "
            "analysis package and its requirements can be imported."
        ) from None
    return client


def _ready() -> bool:
    """A task only a worker that can import ``analysis.batch`` can run (``_connect``)."""
    return True


def _check_writable(outdir: Path) -> None:
    """Create ``outdir`` and prove a file can be written there, before any clip is analysed
    (a read-only folder used to fail only at the first clip's summary, as a traceback)."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=outdir):
            pass
    except OSError as exc:
        raise RepLabError(f"cannot write results to {outdir} ({exc.strerror or exc}).") from None


LOCK_FILE = ".batch.lock"  # in OUTDIR, held while a run writes there (``_only_run``)


@contextlib.contextmanager
def _only_run(outdir: Path) -> Iterator[None]:
    """Hold ``OUTDIR/.batch.lock`` for the run, or refuse to start while another run holds it.

    Two runs on one folder at once (a second terminal, a cron job) each analysed every clip
    (the CPU twice over, each run about twice as long), the later summary.csv replaced the
    other's, and runs at two settings wrote into the same clip folders, so one run's record
    could vouch for the other's files. The operating system releases the lock when the
    process ends, killed or not, so a crashed run never blocks the next one. Where the folder's
    file system cannot lock (some network shares), the run goes on unguarded, as before.
    """
    with open(outdir / LOCK_FILE, "a+", encoding="utf-8") as handle:  # closing it releases the lock
        handle.seek(0)  # every run locks the same first byte (Windows locks from the position)
        if not try_lock(handle):
            owner = _lock_owner(handle)
            raise RepLabError(
                f"another batch run{f' (process {owner})' if owner else ''} is writing to {outdir}; "
                "wait for it to finish or give another output folder."
            )
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def _lock_owner(handle) -> str:
    """The process id the run holding the lock wrote ("" when unreadable: Windows keeps a
    locked byte from other processes)."""
    try:
        return handle.read().strip()
    except OSError:
        return ""


def _one_clip_on_dask(path: str, shown_path: str, kwargs: dict) -> ClipResult:
    """One clip per Dask worker thread, in the usual time chunks (``Client.submit`` has its
    own ``workers=``). The worker opens the absolute ``path``; the results name the clip
    as the user gave it, as a local run does."""
    return analyse_clip(path, workers=DEFAULT_CHUNKS, shown_path=shown_path, **kwargs)


def summarise(results: Sequence[ClipResult]) -> dict:
    """Totals for a closing line: how many clips ok, skipped and failed."""
    counts = {"ok": 0, "skipped": 0, "failed": 0}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts


__all__ = [
    "BatchAnalyser",
    "ClipResult",
    "FoundClips",
    "analyse_clip",
    "count_clip",
    "clip_folder",
    "find_clips",
    "gather_clips",
    "plan_workers",
    "read_summary",
    "run_key",
    "summarise",
    "write_summary",
]
