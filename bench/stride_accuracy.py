"""What a frame stride costs in counting accuracy, and what it saves in time.

    REPLAB_CACHE_DIR=/work/cache python bench/stride_accuracy.py [--strides 1 2 3]

For every clip of ``../shared/data/clips/clips.tsv`` the pose track is extracted with
``PoseSettings(stride=n)`` (a real strided pass: the tracker sees every n-th frame, as
in a counting-only run, not a thinned stride-1 track), counted with the recommended
counter (``count_reps``, no exercise given), and compared with the hand counts and the
hand-marked rep times. Tracks are cached, so a second run only counts. Then one 720p
clip is extracted without cache at each stride to show the speed gained.

Prints markdown tables (pasted into docs/performance.md).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("GLOG_minloglevel", "2")

from analysis.cache import TrackCache  # noqa: E402
from analysis.counting import count_reps  # noqa: E402
from analysis.pose import PoseSettings, extract_pose  # noqa: E402
from analysis.shared_data import shared_data_dir  # noqa: E402

CLIPS = shared_data_dir() / "clips"
TIMING_CLIP = "squat_front_rjsong_1.mp4"
TOLERANCE_S = 0.5  # how far a counted turning point may be from the hand mark


def hand_rows() -> list[dict]:
    with open(CLIPS / "clips.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def matched_marks(marks: list[float], found: list[float]) -> int:
    """Hand-marked turning points with a counted one within the tolerance (each used once)."""
    free = list(found)
    hits = 0
    for mark in marks:
        if not free:
            break
        gaps = [abs(mark - t) for t in free]
        best = int(np.argmin(gaps))
        if gaps[best] <= TOLERANCE_S:
            hits += 1
            free.pop(best)
    return hits


def accuracy(strides: list[int]) -> None:
    rows = hand_rows()
    cache = TrackCache()
    table = {}
    for stride in strides:
        errors, hits, marks, frames = [], 0, 0, 0
        for row in rows:
            track = extract_pose(
                CLIPS / row["file"], workers=1, settings=PoseSettings(stride=stride), cache=cache
            )
            result = count_reps(track)
            truth = int(row["reps"])
            errors.append(result.count - truth)
            hand = [float(t) for t in row["rep_bottom_times_s"].split(";") if t.strip()]
            hits += matched_marks(hand, [rep.bottom_s for rep in result.reps])
            marks += len(hand)
            frames += len(track)
            print(f"  stride {stride} {row['file']}: {result.count} (hand {truth})", file=sys.stderr)
        truths = np.array([max(int(r["reps"]), 1) for r in rows])
        errors = np.array(errors)
        table[stride] = {
            "frames": frames,
            "mae": float(np.mean(np.abs(errors) / truths)),
            "obo": float(np.mean(np.abs(errors) <= 1)),
            "exact": float(np.mean(errors == 0)),
            "recall": hits / max(marks, 1),
        }
    print(f"\n### Counting accuracy against frame stride ({len(rows)} clips, recommended counter)\n")
    print(
        "| stride | frames analysed | MAE (lower is better) | OBO | exact | hand-marked reps found within 0.5 s |"
    )
    print("|---|---|---|---|---|---|")
    for stride, m in table.items():
        print(
            f"| {stride} | {m['frames']} | {m['mae']:.3f} | {m['obo']:.2f} | {m['exact']:.2f} | {m['recall']:.2f} |"
        )


def repcount(strides: list[int]) -> None:
    """RepCount-A poses thinned to every n-th row: the counter's side of the cost only
    (the published poses were tracked at full rate), on more videos than the clips."""
    from analysis.track import PoseTrack

    folder = CLIPS.parent / "repcount"
    with open(folder / "annotations.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (folder / "poses" / f"{r['name']}.npy").exists()]
    print(f"\n### RepCount-A poses thinned to every n-th frame ({len(rows)} videos, 30 frames/s assumed)\n")
    print("| stride | MAE | OBO |")
    print("|---|---|---|")
    for stride in strides:
        errors, truths = [], []
        for row in rows:
            array = np.load(folder / "poses" / f"{row['name']}.npy")[::stride]
            track = PoseTrack.from_array(array, fps=30.0 / stride, source_name=row["name"])
            errors.append(count_reps(track).count - int(row["count"]))
            truths.append(max(int(row["count"]), 1))
        errors, truths = np.array(errors), np.array(truths)
        print(f"| {stride} | {np.mean(np.abs(errors) / truths):.3f} | {np.mean(np.abs(errors) <= 1):.2f} |")


def speed(strides: list[int]) -> None:
    path = CLIPS / TIMING_CLIP
    print(f"\n### Pose pass time against stride ({TIMING_CLIP}, one process, no cache, "
          f"load average {os.getloadavg()[0]:.1f})\n")  # fmt: skip
    print("| stride | frames analysed | seconds | video frames per second |")
    print("|---|---|---|---|")
    for stride in strides:
        started = time.perf_counter()
        track = extract_pose(path, workers=1, settings=PoseSettings(stride=stride), cache=False)
        seconds = time.perf_counter() - started
        video_frames = len(track) * stride
        print(f"| {stride} | {len(track)} | {seconds:.1f} | {video_frames / seconds:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strides", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-repcount", action="store_true")
    args = parser.parse_args()
    accuracy(args.strides)
    if not args.skip_repcount:
        repcount(args.strides)
    if not args.skip_speed:
        speed(args.strides)


if __name__ == "__main__":
    main()
