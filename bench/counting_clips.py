"""Counting on the real clips (../shared/data/clips): MAE, within-one share and rep-bottom timing.

    REPLAB_CACHE_DIR=/path/to/cache python bench/counting_clips.py [--no-flow] [--per-clip] [--workers 2]

Pose tracks come from ``extract_pose`` (real MediaPipe, cached by content hash); the
optical-flow signals are cached as .npz beside the tracks (``flow/`` in the cache
folder). Bottom timing: hand-marked turning points (``rep_bottom_times_s``) matched one
to one to predicted ``bottom_s`` within 0.5 s. Prints markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.cache import default_cache_dir, file_hash  # noqa: E402
from analysis.counting import COUNTERS, compare_counters, flow_signal, prepare_signal  # noqa: E402
from analysis.pose import extract_pose  # noqa: E402
from bench.counting_metrics import SHARED, mae_obo, match_times, table  # noqa: E402

TOLERANCE_S = 0.5
PRESET_KEYWORDS = {"squat": "squat", "push-up": "push_up", "pull-up": "pull_up", "jumping jack": "jumping_jack",
                   "curl": "curl"}  # fmt: skip


def preset_of(exercise: str) -> str | None:
    return next((p for k, p in PRESET_KEYWORDS.items() if exercise.startswith(k)), None)


def cached_flow(path: Path, track) -> tuple[np.ndarray, np.ndarray]:
    folder = default_cache_dir() / "flow"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{file_hash(path)[:32]}.npz"
    if target.exists():
        with np.load(target) as data:
            return data["signal"], data["times"]
    signal, times = flow_signal(path, track)
    np.savez(target, signal=signal, times=times)
    return signal, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-flow", action="store_true", help="skip the optical-flow counter")
    parser.add_argument("--per-clip", action="store_true", help="print a row per clip")
    parser.add_argument(
        "--presets",
        action="store_true",
        help="also count on the exercise presets (exercise column as oracle)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="time chunks per pose pass (2 = the app's and CLI's default on two cores)",
    )
    args = parser.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    with open(SHARED / "clips" / "clips.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    methods = [m for m in COUNTERS if m != "flow" or not args.no_flow]
    records = []
    per_clip = []
    for row in rows:
        path = SHARED / "clips" / row["file"]
        track = extract_pose(path, workers=args.workers)
        flow = None if args.no_flow else cached_flow(path, track)
        signal = prepare_signal(track)
        started = time.perf_counter()
        results = compare_counters(track, methods=methods, signal=signal, flow=flow)
        recount_ms = (time.perf_counter() - started) * 1000
        truth = [float(v) for v in row["rep_bottom_times_s"].split(";") if v]
        variants = {"auto": results}
        if args.presets and preset_of(row["exercise"]):
            pose_methods = [m for m in methods if m != "flow"]
            variants["preset"] = compare_counters(
                track, methods=pose_methods, exercise=preset_of(row["exercise"])
            )
        for variant, found in variants.items():
            for method, res in found.items():
                bottoms = [rep.bottom_s for rep in res.reps]
                matches = match_times(bottoms, truth, TOLERANCE_S)
                errors = [abs(p - t) for p, t in matches]
                records.append((row, method, res.count, len(matches), len(truth), errors, variant))
        per_clip.append(
            [row["file"], int(row["reps"])] + [results[m].count for m in methods] + [f"{recount_ms:.0f}"]
        )
    print(f"\n{len(rows)} clips, pose passes in {args.workers} time chunk(s)\n")
    header = ["signal", "algorithm", "clips", "MAE", "OBO (within 1)", "exact", "bottoms matched <= 0.5 s",
              "mean bottom err s"]  # fmt: skip
    out = []
    for variant in ("auto", "preset"):
        for method in methods:
            sel = [r for r in records if r[1] == method and r[6] == variant]
            if not sel:
                continue
            mae, obo = mae_obo([r[2] for r in sel], [int(r[0]["reps"]) for r in sel])
            exact = float(np.mean([r[2] == int(r[0]["reps"]) for r in sel]))
            matched = sum(r[3] for r in sel) / max(sum(r[4] for r in sel), 1)
            errors = [e for r in sel for e in r[5]]
            name = method + (" (recommended)" if method == "peaks" and variant == "auto" else "")
            mean_err = float(np.mean(errors)) if errors else float("nan")
            out.append([variant, name, len(sel), mae, obo, exact, f"{matched:.0%}", mean_err])
    print(table(header, out))
    if args.per_clip:
        print()
        print(table(["clip", "true", *methods, "count all ms"], per_clip))


if __name__ == "__main__":
    main()
