"""What the body gate sees: rep excursions and still stretches in torso lengths and degrees.

    REPLAB_CACHE_DIR=/path/to/cache python bench/counting_gate.py

For every annotated rep (RepCount start/end frames at 30 fps; clips: half way to the
neighbouring hand-marked bottoms) and every still stretch named in the clips' notes,
the largest move of a reliably seen landmark away from the stretch's first or last
frame (torso lengths), and the largest bend of a reliably seen joint (degrees), as
``analysis/counting/gate.py`` measures them. Then the recommended count on still
stretches (with and without the gate) and on every clip rep cut out alone. Prints
markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.counting import count_reps  # noqa: E402
from analysis.counting.gate import LONE_MIN_ANGLE, MIN_EXCURSION, BodyMotion  # noqa: E402
from analysis.pose import extract_pose  # noqa: E402
from analysis.track import load_track  # noqa: E402
from bench.counting_metrics import SHARED, table  # noqa: E402
from bench.counting_repcount import load_rows  # noqa: E402

# (clip, start s, end s, what happens): from the notes in clips.tsv
STILL = [
    ("squat_side_rohanx01_1.mp4", 0.0, 8.0, "stands, walks the bar out"),
    ("squat_side_rohanx01_1.mp4", 1.0, 7.0, "stands, walks the bar out"),
    ("squat_side_rohanx01_1.mp4", 11.8, 15.0, "standing pause"),
    ("squat_side_rohanx01_1.mp4", 12.0, 14.5, "standing pause"),
    ("pullup_front_joelo_2.mp4", 16.3, 18.9, "hold at the top"),
    ("squat_side_tommyhillphyga_1.mp4", 8.4, 15.3, "bottle pick-up, drinking"),
]


def reach(motion: BodyMotion, start_s: float, end_s: float) -> tuple[float, float]:
    """Largest (landmark move, joint bend) inside [start, end] away from its first or last frame."""
    t = motion.times
    s, e = int(np.searchsorted(t, start_s)), min(int(np.searchsorted(t, end_s)), len(t) - 1)
    if e <= s:
        return float("nan"), float("nan")
    pose, ang = motion.pose[s : e + 1], motion.angles[s : e + 1]
    move = max(np.nanmax(np.hypot(*(pose - pose[i]).transpose(2, 0, 1))) for i in (0, -1))
    bend = max(np.nanmax(np.abs(ang - ang[i])) for i in (0, -1)) if ang.shape[1] else float("nan")
    return float(move), float(bend)


def windows(bottoms: list[float], duration: float) -> list[tuple[float, float, float]]:
    """(start, bottom, end) per marked rep: half way to each neighbouring bottom."""
    out = []
    for i, b in enumerate(bottoms):
        before = (b - bottoms[i - 1]) / 2 if i > 0 else ((bottoms[1] - b) / 2 if len(bottoms) > 1 else b)
        after = (
            (bottoms[i + 1] - b) / 2 if i + 1 < len(bottoms) else (b - bottoms[i - 1]) / 2 if i else duration
        )
        out.append((max(0.0, b - before), b, min(duration, b + after)))
    return out


def gate_measures(track, truth_fn) -> list[tuple[str, float, float]]:
    """The gate's own measures (move, bend) of each rep the recommended counter finds
    without the gate, labelled by whether it is an annotated rep."""
    result = count_reps(track, gate=False)
    move, bend = BodyMotion.from_track(track).excursions(result.reps)
    return [("true" if truth_fn(rep) else "false", m, b) for rep, m, b in zip(result.reps, move, bend)]


def percentiles(rows, label: str, pct) -> list[list]:
    out = []
    sel = np.array([r[1:] for r in rows], dtype=float).reshape(-1, 2)
    for j, unit in enumerate(("landmark move, torso lengths", "joint bend, degrees")):
        vals = sel[np.isfinite(sel[:, j]), j]
        out.append([label, len(sel), unit, *[float(v) for v in np.percentile(vals, pct)]])
    return out


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    pct = [0, 0.5, 1, 5, 25, 50]
    reach_rows, found_rows = {"RepCount": [], "clips": []}, {"RepCount": [], "clips": []}
    for row in load_rows():
        track = load_track(SHARED / "repcount" / "poses" / f"{row['name']}.npy", fps=30)
        motion = BodyMotion.from_track(track)
        reach_rows["RepCount"] += [reach(motion, s, e) for s, e in row["bounds_s"]]
        found_rows["RepCount"] += gate_measures(
            track, lambda rep, b=row["bounds_s"]: any(s <= rep.bottom_s <= e for s, e in b)
        )
    with open(SHARED / "clips" / "clips.tsv", newline="") as handle:
        clips = list(csv.DictReader(handle, delimiter="\t"))
    tracks = {row["file"]: extract_pose(SHARED / "clips" / row["file"], workers=1) for row in clips}
    cut_rows = []
    for row in clips:
        track = tracks[row["file"]]
        motion = BodyMotion.from_track(track)
        bottoms = [float(v) for v in row["rep_bottom_times_s"].split(";") if v]
        found_rows["clips"] += gate_measures(
            track, lambda rep, b=bottoms: any(abs(rep.bottom_s - x) <= 0.5 for x in b)
        )
        counts = []
        for lo, _, hi in windows(bottoms, float(track.times[-1])):
            reach_rows["clips"].append(reach(motion, lo, hi))
            counts.append(count_reps(track.slice_time(lo, hi)).count)
        cut_rows.append([row["file"], len(counts), sum(c == 1 for c in counts), " ".join(map(str, counts))])
    header = ["reps", "n", "measure", *[f"p{p:g}" for p in pct]]
    print(
        f"\nGate: a rep moves a landmark >= {MIN_EXCURSION} torso lengths; one or two reps (FEW_REPS) also bend a joint"
    )
    print(f">= {LONE_MIN_ANGLE} degrees.\n")
    print("Reps found by the recommended counter without the gate, measured as the gate does")
    print("(true = an annotated rep / a marked bottom within 0.5 s):\n")
    out = []
    for source, rows in found_rows.items():
        for label in ("true", "false"):
            sel = [r for r in rows if r[0] == label]
            if sel:
                out += percentiles(sel, f"{source} {label}", pct)
    print(table(header, out))
    print("\nAnnotated reps, the most any landmark / joint moves inside the rep (an upper bound):\n")
    out = []
    for source, rows in reach_rows.items():
        out += percentiles([("", *r) for r in rows], source, pct)
    print(table(header, out))
    still_rows = []
    for name, lo, hi, what in STILL:
        cut = tracks[name].slice_time(lo, hi)
        found = gate_measures(cut, lambda rep: False)
        moves = " ".join(f"{m:.2f}" for _, m, _ in found)
        bends = " ".join(f"{b:.0f}" for _, _, b in found)
        still_rows.append([f"{name} {lo:g}-{hi:g} s", what, len(found), moves, bends, count_reps(cut).count])
    print(
        "\nStill stretches (true count 0): reps found without the gate, their move and bend, count with it\n"
    )
    print(table(["stretch", "what", "found without gate", "move", "bend", "count"], still_rows))
    one = tracks["squat_side_rohanx01_1.mp4"].slice_time(8.0, 14.0)
    print(f"\nsquat_side_rohanx01_1.mp4 8-14 s (exactly one squat): count {count_reps(one).count}")
    print("\nEvery marked rep cut out alone (half way to its neighbours), recommended count\n")
    total, ones = sum(r[1] for r in cut_rows), sum(r[2] for r in cut_rows)
    print(
        table(
            ["clip", "reps", "counted 1", "counts"], cut_rows + [["all", total, ones, f"{ones / total:.0%}"]]
        )
    )


if __name__ == "__main__":
    main()
