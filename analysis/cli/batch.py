"""``python -m analysis batch DIR_OR_GLOB... -o OUTDIR``: analyse many clips, resumably.

Writes one folder per clip, OUTDIR/<clip name>-<first 8 digits of its hash>/ (track.npz,
counts.json; with --exercise squat also verdicts.json, verdicts.csv and report.html), and
OUTDIR/summary.csv with one row per clip. Run it again to continue an interrupted run:
finished clips are skipped. Failed clips (unreadable, no person, a named file that does
not exist) are listed in the summary with the reason and the others carry on. Exit code:
0 all analysed, 1 some clips failed, 2 nothing could run (no clips, an output folder that
cannot be written or another batch run is writing to, an unreachable scheduler), 130
interrupted. summary.csv and verdicts.csv are UTF-8 with a byte-order mark, for
spreadsheets. Progress goes to stderr, each clip named by its path from the folder the
inputs share (a/set.mp4 and b/set.mp4).
"""

from __future__ import annotations

import os
import shutil
import sys
import time

from analysis.cli.extract import add_model_options, model_settings
from analysis.cli.native_logs import stderr_is_terminal
from analysis.strictness import add_strictness_option
from analysis.wording import count_words


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="analyse many clips (folder or glob) into an output folder with a summary CSV",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("inputs", nargs="+", metavar="DIR_OR_GLOB", help="folders, glob patterns or files")
    parser.add_argument("-o", "--outdir", required=True, help="output folder (created if missing)")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="clips analysed at once (processes); each clip runs in the dashboard's two time "
        "chunks, so its results match the dashboard's (default: up to 2)",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786): run on that cluster"
    )
    parser.add_argument("--exercise", help="the exercise if known; 'squat' also writes form verdicts")
    parser.add_argument("--overwrite", action="store_true", help="analyse finished clips again")
    add_strictness_option(parser, default=None)  # unset: a run at the default resumes as before
    add_model_options(parser)
    parser.set_defaults(func=run)


# the fewest characters of a clip's name the bar keeps when it shortens the name to fit
MIN_NAME = 12


class ClipProgress:
    """Progress over clips on stderr: a bar redrawn in place on a terminal, one line per
    clip otherwise; failures and warnings are always printed with their reason.

    The line redrawn in place is cut to the terminal's width: a longer one wraps, and
    ``\r\033[K`` clears only its last row, so every redraw left the wrapped rows behind
    (a cut-short clip's warning is about 200 characters)."""

    def __init__(self, stream=None, width: int = 30, names: dict[str, str] | None = None):
        self.stream = stream or sys.stderr
        self.width = width
        self.names = names or {}  # absolute path -> its name in the lines (``batch.shown_names``)
        self._tty = stderr_is_terminal(self.stream)
        self._started = time.monotonic()
        self._done = 0
        self._total = 0
        self._last_draw = 0.0
        self._last_step = -1

    def _name(self, path: str) -> str:
        """The clip as the lines name it: its path from the inputs' shared folder when known
        (two clips of one name in two folders), else its file name."""
        return self.names.get(os.path.abspath(path), os.path.basename(path))

    def _in_place(self, text: str, name: str = "") -> None:
        """Redraw the bar's line with ``text``, cut to fit one row of the terminal. A long
        ``name`` (a clip's path, inside ``text``) loses its start first, so the clip's status
        after it stays in view ("…/week 2/set.mp4: ok, 7 reps")."""
        columns = shutil.get_terminal_size().columns
        keep = max(MIN_NAME, len(name) - (len(text) - (columns - 1)))
        if name and keep < len(name):
            text = text.replace(name, "…" + name[len(name) - keep + 1 :], 1)
        if len(text) >= columns:
            text = text[: max(columns - 2, 1)] + "…"
        self.stream.write(f"\r\033[K{text}")

    def frames(self, path: str, done: int, total: int) -> None:
        """The pose pass of the clip being analysed (clips one at a time): a long clip
        shows life before it finishes."""
        fraction = min(done / max(total, 1), 1.0)
        name = self._name(path)
        if self._tty:
            now = time.monotonic()
            if fraction < 1.0 and now - self._last_draw < 0.2:
                return
            self._last_draw = now
            self._in_place(
                f"batch {self._done}/{self._total or '?'} clips done; {name}: pose {done}/{total} frames",
                name,
            )
        else:  # a log: a line per quarter, and only for passes long enough to wait for
            quarter = int(fraction * 4)
            if total < 1000 or quarter == self._last_step or quarter in (0, 4):
                return
            self._last_step = quarter
            self.stream.write(f"    {name}: pose {quarter * 25}%\n")
        self.stream.flush()

    def __call__(self, done: int, total: int, result) -> None:
        self._done, self._total, self._last_step = done, total, -1
        name = self._name(result.path)
        if result.status == "failed":
            note = f"FAILED: {result.error}"
        elif result.count is not None:
            note = f"{result.status}, {count_words(result.count, 'rep')}" + (
                f" (warning: {result.warning})" if result.warning else ""
            )
        else:
            note = result.status
        elapsed = time.monotonic() - self._started
        if self._tty:
            filled = int(done / max(total, 1) * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            if result.status == "failed" or result.warning:  # kept whole, above the bar
                self.stream.write(f"\r\033[K{name}: {note}\n")
            self._in_place(f"batch [{bar}] {done}/{total} clips, {elapsed:.0f} s  {name}: {note}", name)
            if done >= total:
                self.stream.write("\n")
        else:
            # a skipped clip's seconds are those of the run that analysed it, not of this one
            took = "" if result.status == "skipped" else f" ({result.seconds:.1f} s)"
            self.stream.write(f"[{done}/{total}] {name}: {note}{took}\n")
        self.stream.flush()


def run(args) -> int:
    from analysis.batch import BatchAnalyser, gather_clips, shown_names, summarise

    settings, cache = model_settings(args)  # a bad option or --model: one error before any clip
    analyser = BatchAnalyser(
        workers=args.workers,
        scheduler=args.scheduler,
        exercise=args.exercise,
        settings=settings,
        cache=cache,
        overwrite=args.overwrite,
        strictness=args.strictness,
    )
    # found once: the lines name the clips the run analyses (walked twice, a clip copied in
    # between was analysed under its bare file name, or named and never analysed)
    found = gather_clips(args.inputs)
    bar = ClipProgress(names=shown_names(found.paths))
    analyser.run(found, args.outdir, progress=bar, frame_progress=bar.frames)
    for spec in analyser.unmatched_:
        print(f"warning: no clips in {spec!r}", file=sys.stderr)
    totals = summarise(analyser.results_)
    print(
        f"{count_words(len(analyser.results_), 'clip')}: {totals['ok']} analysed, {totals['skipped']} already done, "
        f"{totals['failed']} failed; summary in {analyser.summary_path_}",
        file=sys.stderr,
    )
    return 1 if totals["failed"] else 0
