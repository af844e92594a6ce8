"""Two time chunks against a single pass on the real clips: where each hand-over happened,
how far the joined track is from the single pass, and whether the count moved.

    REPLAB_CACHE_DIR=/path/to/cache python bench/chunk_handoff.py
    python bench/chunk_handoff.py --warmups 0.25 0.5 0.75 1.0 1.5

With ``--warmups`` it instead runs the two chunks (real MediaPipe, no cache) with each
warm-up length and prints how much of the clip the earlier chunk had to analyse again
before the chunks agreed. What a warm-up costs a run, in seconds of video: half the
warm-up (the chunks are sized so they share it) plus the whole stretch analysed again
(the later chunk has finished and waits).

Both tracks come from ``extract_pose`` (real MediaPipe, cached by content hash; the
chunked one needs two usable cores). "Offset" is the largest distance, per frame, between
the two tracks' landmarks both see (visibility >= 0.5), in shares of the picture's width and
height. Prints a markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.counting import count_reps  # noqa: E402
from analysis.pose import PoseSettings, analyse_clip, chunk_plan, extract_pose, make_backend, usable_cores  # noqa: E402
from analysis.video import probe  # noqa: E402
from bench.counting_metrics import SHARED, table  # noqa: E402


def frame_offsets(a, b) -> np.ndarray:
    """Largest landmark distance per frame between two tracks of the same frames (NaN: none seen)."""
    seen = (a.visibility >= 0.5) & (b.visibility >= 0.5)
    gap = np.where(seen, np.abs(a.landmarks[..., :2] - b.landmarks[..., :2]).max(axis=2), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames without a person
        return np.nanmax(gap, axis=1)


def reanalysed_s(path: Path, warmup_s: float) -> float | None:
    """Seconds of video the earlier of two chunks analyses past its boundary (None: one chunk)."""
    info = probe(path)
    starts = chunk_plan(str(path), info.duration_s, 2, warmup_s, start_s=info.start_s)
    if len(starts) < 2:
        return None
    settings = PoseSettings()
    arrays, handoffs = analyse_clip(
        str(path), lambda: make_backend(settings), starts, info.frame_count, None,
        fps=info.fps, max_side=settings.max_side, warmup_s=warmup_s,
    )  # fmt: skip
    handoff = arrays["times"][-1] if not np.isfinite(handoffs[0]) else handoffs[0]
    return float(handoff - starts[1])


def warmup_table(rows: list[dict], warmups: list[float]) -> None:
    out, totals = [], np.zeros(len(warmups))
    for row in rows:
        extra = [reanalysed_s(SHARED / "clips" / row["file"], w) for w in warmups]
        if extra[0] is None:
            continue
        totals += extra
        out.append([row["file"], *(f"{e:.2f}" for e in extra)])
    n = len(out)
    out.append(
        [
            f"clips analysed again (of {n})",
            *(str(sum(float(r[i + 1]) > 0 for r in out)) for i in range(len(warmups))),
        ]
    )
    out.append(
        [
            "cost per clip, s of video: warm-up / 2 + mean re-analysed",
            *(f"{w / 2 + t / n:.2f}" for w, t in zip(warmups, totals)),
        ]
    )
    print(table(["clip", *(f"re-analysed s, warm-up {w:g} s" for w in warmups)], out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmups", type=float, nargs="+", help="compare these warm-up lengths (s)")
    args = parser.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    if usable_cores() < 2:
        sys.exit("needs two usable cores: extract_pose runs at most one chunk per core")
    with open(SHARED / "clips" / "clips.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if args.warmups:
        warmup_table(rows, args.warmups)
        return
    out = []
    for row in rows:
        path = SHARED / "clips" / row["file"]
        single = extract_pose(path, workers=1)
        double = extract_pose(path, workers=2)
        starts, handoffs = double.meta["chunk_starts_s"], double.meta["handoffs_s"]
        if len(starts) < 2:
            continue
        boundary = starts[1]
        handoff = double.times[-1] if handoffs[0] is None else handoffs[0]
        after = double.times >= boundary - 1e-6
        offsets = frame_offsets(single, double)[after]
        out.append([
            row["file"], f"{boundary:.2f}", "end" if handoffs[0] is None else f"{handoff:.2f}",
            f"{handoff - boundary:.2f}", f"{np.nanmedian(offsets):.4f}", f"{np.nanpercentile(offsets, 95):.4f}",
            f"{count_reps(single).count} / {count_reps(double).count}", row["reps"],
        ])  # fmt: skip
    print(
        table(
            [
                "clip",
                "boundary s",
                "hand-over s",
                "re-analysed s",
                "offset after boundary, median",
                "offset, 95th pct",
                "count single / chunked",
                "true",
            ],
            out,
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
