"""Two time chunks against a single pass on the real clips: where each hand-over happened,
how far the joined track is from the single pass, and whether the count moved.

    REPLAB_CACHE_DIR=/path/to/cache python bench/chunk_handoff.py

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
from analysis.pose import extract_pose, usable_cores  # noqa: E402
from bench.counting_metrics import SHARED, table  # noqa: E402


def frame_offsets(a, b) -> np.ndarray:
    """Largest landmark distance per frame between two tracks of the same frames (NaN: none seen)."""
    seen = (a.visibility >= 0.5) & (b.visibility >= 0.5)
    gap = np.where(seen, np.abs(a.landmarks[..., :2] - b.landmarks[..., :2]).max(axis=2), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames without a person
        return np.nanmax(gap, axis=1)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    if usable_cores() < 2:
        sys.exit("needs two usable cores: extract_pose runs at most one chunk per core")
    with open(SHARED / "clips" / "clips.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
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
