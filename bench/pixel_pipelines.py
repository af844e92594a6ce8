"""How much the clips' counting scores depend on the exact pixels the pose model sees.

    REPLAB_CACHE_DIR=/path/to/cache python bench/pixel_pipelines.py [--per-clip]

The same 20 hand-counted clips (../shared/data/clips) go through four ways of making the
model's RGB frames from the decoded video; everything else (model, single pass, counter)
is RepLab's. ``analysis.video.to_rgb`` is swapped for each:

- *opencv-area* (shipped, ``analysis.video.to_rgb``): the YUV 4:2:0 planes shrunk to
  640 px with OpenCV's area averaging, then converted by OpenCV (about 0.25 ms a 720p
  frame against 1.0 ms, docs/performance.md);
- *swscale* (shipped until the ninth session): shrunk inside swscale's RGB conversion
  (bilinear);
- *opencv-linear*: as shipped with bilinear shrinking;
- *full-bgr*: full-size frames as a plain OpenCV loop feeds MediaPipe (BGR, then RGB).

Each pipeline's tracks are cached in their own folder under the cache (``pixels/NAME``; the
shipped one in the cache itself), so a rerun only counts. Prints the markdown table of
docs/benchmarks.md ("Eighth round").
"""

from __future__ import annotations

import argparse
import csv
import functools
import os
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import analysis.video  # noqa: E402
from analysis.cache import TrackCache, default_cache_dir  # noqa: E402
from analysis.counting import count_reps  # noqa: E402
from analysis.pose import extract_pose  # noqa: E402
from bench.counting_metrics import SHARED, mae_obo, match_times, table  # noqa: E402

SHIPPED = analysis.video.to_rgb


def _full_bgr(frame, width, height, reformatter):
    return cv2.cvtColor(frame.to_ndarray(format="bgr24"), cv2.COLOR_BGR2RGB)


PIPELINES = {
    "opencv-area (shipped)": SHIPPED,
    "swscale": analysis.video.swscale_rgb,
    "opencv-linear": functools.partial(SHIPPED, shrink=cv2.INTER_LINEAR),
    "full-bgr": _full_bgr,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-clip", action="store_true", help="also print each clip's count per pipeline")
    args = parser.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    with open(SHARED / "clips" / "clips.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    base = default_cache_dir()
    summary, counts = [], {row["file"]: [row["reps"]] for row in rows}
    for name, convert in PIPELINES.items():
        analysis.video.to_rgb = convert
        cache = TrackCache(base if convert is SHIPPED else base / "pixels" / name)
        predicted, truth, matched, marked = [], [], 0, 0
        for row in rows:
            track = extract_pose(SHARED / "clips" / row["file"], workers=1, cache=cache)
            result = count_reps(track)
            bottoms = [float(v) for v in row["rep_bottom_times_s"].split(";") if v]
            predicted.append(result.count)
            truth.append(int(row["reps"]))
            matched += len(match_times([r.bottom_s for r in result.reps], bottoms, 0.5))
            marked += len(bottoms)
            counts[row["file"]].append(str(result.count))
        analysis.video.to_rgb = SHIPPED
        mae, obo = mae_obo(predicted, truth)
        wrong = sum(p != t for p, t in zip(predicted, truth))
        summary.append([name, mae, wrong, obo, f"{matched} / {marked} ({matched / marked:.0%})"])
    print(f"\n{len(rows)} clips, one pass each, recommended counter\n")
    print(table(["frames fed to the model", "MAE", "clips miscounted", "OBO (within 1)",
                 "bottoms matched within 0.5 s"], summary))  # fmt: skip
    if args.per_clip:
        print()
        differ = [[f, *c] for f, c in counts.items() if len(set(c[1:])) > 1 or c[1] != c[0]]
        print(table(["clip", "true", *PIPELINES], differ))


if __name__ == "__main__":
    main()
