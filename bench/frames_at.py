"""How long the squat report takes to read its frames: one pass (``frames_at``) against one
seek and decode per rep (``read_frame``, as before review AF).

    REPLAB_CACHE_DIR=/path/to/cache python bench/frames_at.py CLIP [CLIP ...] [--repeats 3]

For each clip (its pose track from the cache, or made once), the squat reps are judged and
the report is built both ways, alternating, ``--repeats`` times each; the report must come
out byte for byte the same both ways. Prints one markdown row per clip: reps, the keyframes
in the clip, the median seconds each way and the load average (docs/performance.md,
"Frames for many reps").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import analysis.report  # noqa: E402
from analysis.counting import count_reps  # noqa: E402
from analysis.form import assess_squat_reps  # noqa: E402
from analysis.pose import extract_pose  # noqa: E402
from analysis.report import form_report_html  # noqa: E402
from analysis.video import frames_at, read_frame  # noqa: E402


def one_at_a_time(path, times, max_side=None):
    """``frames_at``'s frames read as before: a seek and a decode for each."""
    return ((time_s, read_frame(path, time_s, max_side=max_side)) for time_s in sorted(set(times)))


def keyframes(path: str) -> int:
    with av.open(path) as container:
        stream = container.streams.video[0]
        return sum(1 for packet in container.demux(stream) if packet.is_keyframe)


def timed_report(clip: str, track, verdicts, reader) -> tuple[float, str]:
    analysis.report.frames_at = reader
    start = time.perf_counter()
    page = form_report_html(clip, track, verdicts, created=datetime(2026, 5, 1, tzinfo=UTC))
    return time.perf_counter() - start, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="+")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print("| clip | reps | keyframes | one pass (s) | one seek a rep (s) | load average |")
    print("|---|---|---|---|---|---|")
    for clip in args.clips:
        track = extract_pose(clip)
        verdicts = assess_squat_reps(track, count_reps(track, exercise="squat").reps)
        times = {"one pass": [], "one seek a rep": []}
        pages = set()
        for _ in range(args.repeats):
            for name, reader in (("one pass", frames_at), ("one seek a rep", one_at_a_time)):
                seconds, page = timed_report(clip, track, verdicts, reader)
                times[name].append(seconds)
                pages.add(page)
        analysis.report.frames_at = frames_at
        if len(pages) != 1:
            raise SystemExit(f"{clip}: the two ways made different reports")
        median = {name: statistics.median(values) for name, values in times.items()}
        print(f"| {os.path.basename(clip)} | {len(verdicts)} | {keyframes(clip)} | {median['one pass']:.2f} | "
              f"{median['one seek a rep']:.2f} | {os.getloadavg()[0]:.1f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
