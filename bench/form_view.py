"""Camera-view detection and form verdicts on the shared squat clips (cached pose tracks).

Run: ``REPLAB_CACHE_DIR=/work/cache python bench/form_view.py``. Prints a markdown table:
the view written in clips.tsv, the detected view and angle, and for squat clips the
verdict of each rep (counter's reps, default strictness).
"""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.counting import count_reps  # noqa: E402
from analysis.form import assess_squat_reps, load_model  # noqa: E402
from analysis.form.view import detect_view, view_angle  # noqa: E402
from analysis.pose import extract_pose  # noqa: E402
from analysis.shared_data import shared_data_dir  # noqa: E402

CLIPS = shared_data_dir() / "clips"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    model = load_model()
    print("| clip | view (table) | detected | angle | squat verdicts |")
    print("|---|---|---|---|---|")
    with open(CLIPS / "clips.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    agree = 0
    for row in rows:
        track = extract_pose(CLIPS / row["file"], workers=1)
        view = detect_view(track)
        agree += row["view"].startswith(view)
        verdicts = ""
        if row["exercise"].startswith("squat"):
            reps = count_reps(track, method="auto", exercise="squat").reps
            verdicts = "; ".join(
                ("good" if v.good else "/".join(v.faults)) + f" {v.p_good:.2f}"
                for v in assess_squat_reps(track, reps, model=model)
            )
        print(f"| {row['file']} | {row['view']} | {view} | {view_angle(track):.0f} | {verdicts} |")
    print(f"\nview agrees with the table's first word on {agree}/{len(rows)} clips")


if __name__ == "__main__":
    main()
