"""Counting on RepCount-A poses (../shared/data/repcount): MAE, OBO and rep-time error per algorithm.

    python bench/counting_repcount.py [--presets] [--per-video]

No exercise is given (``auto`` signal) unless ``--presets`` adds rows counted on the
exercise presets' signals (an oracle class, as PoseRAC is given). The videos are split
in two halves stratified by exercise (alternate names in sorted order): defaults were
chosen while looking at half A and the whole set, so half B and the held-back data are
the honest figures. Rep-time error: true reps (annotated start/end frames at 30 fps)
matched to predicted reps whose bottom lies inside; mean |start/end error| in seconds.
Prints markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from analysis.counting import POSE_METHODS, compare_counters, prepare_signal  # noqa: E402
from analysis.track import load_track  # noqa: E402
from bench.counting_metrics import SHARED, boundary_error, mae_obo, table  # noqa: E402

PRESET_OF = {
    "squat": "squat",
    "push_up": "push_up",
    "pull_up": "pull_up",
    "situp": "sit_up",
    "jump_jack": "jumping_jack",
}
FPS = 30.0


def load_rows() -> list[dict]:
    with open(SHARED / "repcount" / "annotations.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_ex: dict[str, list[str]] = {}
    for row in rows:
        by_ex.setdefault(row["exercise"], []).append(row["name"])
    half = {name: "AB"[i % 2] for names in by_ex.values() for i, name in enumerate(sorted(names))}
    for row in rows:
        row["half"] = half[row["name"]]
        b = [int(v) for v in row["rep_bounds_frames"].split()]
        row["bounds_s"] = [(s / FPS, e / FPS) for s, e in zip(b[::2], b[1::2])]
        row["count"] = int(row["count"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--presets", action="store_true", help="also count on the exercise presets (oracle class)"
    )
    parser.add_argument("--per-video", action="store_true", help="print every video's counts")
    args = parser.parse_args()
    rows = load_rows()
    records = []  # (row, variant, method, count, matched, boundary error)
    started = time.perf_counter()
    for row in rows:
        track = load_track(SHARED / "repcount" / "poses" / f"{row['name']}.npy", fps=FPS)
        variants = {"auto": None}
        if args.presets and row["exercise"] in PRESET_OF:
            variants["preset"] = PRESET_OF[row["exercise"]]
        for variant, exercise in variants.items():
            signal = prepare_signal(track, exercise)
            results = compare_counters(track, methods=list(POSE_METHODS), exercise=exercise, signal=signal)
            for method, res in results.items():
                matched, err = boundary_error(res.reps, row["bounds_s"])
                records.append((row, variant, method, res.count, matched, err))
            if args.per_video:
                counts = " ".join(f"{m}={r.count}" for m, r in results.items())
                print(f"{row['name']:10s} {row['exercise']:15s} {variant:6s} true={row['count']:3d} {counts}")
    elapsed = time.perf_counter() - started
    print(f"\n{len(rows)} videos, {elapsed:.1f} s in total\n")
    header = [
        "signal",
        "algorithm",
        "MAE A",
        "OBO A",
        "MAE B",
        "OBO B",
        "MAE all",
        "OBO all",
        "reps found",
        "rep-time err s",
    ]
    out = []
    for variant in ("auto", "preset"):
        for method in POSE_METHODS:
            sel = [r for r in records if r[1] == variant and r[2] == method]
            if not sel:
                continue
            line = [variant, method + (" (recommended)" if method == "peaks" and variant == "auto" else "")]
            for half in ("A", "B", None):
                part = [r for r in sel if half is None or r[0]["half"] == half]
                mae, obo = mae_obo([r[3] for r in part], [r[0]["count"] for r in part])
                line += [mae, obo]
            true_reps = sum(len(r[0]["bounds_s"]) for r in sel)
            line.append(f"{sum(r[4] for r in sel) / max(true_reps, 1):.0%}")
            errs = [r[5] for r in sel if np.isfinite(r[5])]
            line.append(float(np.median(errs)) if errs else float("nan"))
            out.append(line)
    print(table(header, out))
    if args.presets:
        print(
            "\n(preset rows cover only the exercises with a preset: squat, push-up, pull-up, sit-up, jumping jack)"
        )
    print("\nPer exercise, recommended (auto signal, peaks):\n")
    ex_rows = []
    for ex in sorted({r["exercise"] for r in rows}):
        sel = [r for r in records if r[1] == "auto" and r[2] == "peaks" and r[0]["exercise"] == ex]
        mae, obo = mae_obo([r[3] for r in sel], [r[0]["count"] for r in sel])
        ex_rows.append([ex, len(sel), mae, obo])
    print(table(["exercise", "videos", "MAE", "OBO"], ex_rows))


if __name__ == "__main__":
    main()
