"""Re-counting speed on a long track: prepare the signal once, then count with new settings.

    python bench/counting_speed.py [--minutes 10] [--repeats 5]

The track is a real RepCount pose file (stu9_64, squats) repeated end to end up to the
requested length at 30 frames/s. Prints a markdown table (median of ``--repeats``):
signal preparation (PCA + periodicity, done once per track and cached by the
dashboard), each counter on the prepared signal, and ``compare_counters`` with new
settings for all pose counters together (what the dashboard does on a slider move).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.counting import POSE_METHODS, compare_counters, count_reps, prepare_signal  # noqa: E402
from analysis.counting.auto import auto_signal  # noqa: E402
from analysis.track import PoseTrack  # noqa: E402
from bench.counting_metrics import SHARED, table  # noqa: E402


def long_track(minutes: float) -> PoseTrack:
    base = np.load(SHARED / "repcount" / "poses" / "stu9_64.npy")
    frames = int(minutes * 60 * 30)
    reps = int(np.ceil(frames / len(base)))
    tiled = np.concatenate([base] * reps)[:frames]
    return PoseTrack.from_array(tiled, fps=30.0, source_name="stu9_64 tiled")


def timed(func, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    track = long_track(args.minutes)
    rows = []
    # prepare_signal remembers its result by the track's content, so after the first run
    # it would time a dictionary lookup: time the work it caches, then fill its cache once
    ms, _ = timed(lambda: auto_signal(track), args.repeats)
    signal = prepare_signal(track)
    rows.append(["prepare_signal (auto: PCA, periodicity, consensus)", len(track), ms, "once per track"])
    for method in POSE_METHODS:
        ms, result = timed(lambda m=method: count_reps(track, m, signal=signal), args.repeats)
        rows.append([f"count_reps {method} on the prepared signal", len(track), ms, f"{result.count} reps"])
    settings = {
        "peaks": {"prominence_ratio": 0.25},
        "adaptive": {"h": 0.3},
        "hysteresis": {"min_dwell_s": 0.1},
    }
    ms, results = timed(
        lambda: compare_counters(track, methods=list(POSE_METHODS), signal=signal, settings=settings),
        args.repeats,
    )
    rows.append(["compare_counters, all pose counters, new settings", len(track), ms, "slider move"])
    print(f"{args.minutes:g}-minute track, {len(track)} frames; median of {args.repeats} runs\n")
    print(table(["step", "frames", "ms", "note"], rows))


if __name__ == "__main__":
    main()
