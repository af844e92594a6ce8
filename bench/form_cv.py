"""Compare squat-form variants and classifiers by grouped CV (leave one recording date out).

Run: ``python bench/form_cv.py [--data DIR]``. Prints a markdown table; the chosen
configuration is the one ``train-form`` ships (see models/squat_form.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.form.dataset import load_dataset, rep_features  # noqa: E402
from analysis.form.model import CLASSIFIERS, VARIANTS, RepFeaturizer, cv_report, grouped_cv  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/squat_form"))
    parser.add_argument("--classifiers", nargs="*", default=list(CLASSIFIERS))
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    data = load_dataset(args.data)
    reps = [rep_features(r) for r in data.reps]
    print("| variant | classifier | bal. acc. 7-class | bal. acc. good-vs-fault | seconds |")
    print("|---|---|---|---|---|")
    for variant in args.variants:
        matrix = RepFeaturizer(variant=variant).fit(reps).transform(reps)
        for name in args.classifiers:
            start = time.perf_counter()
            proba, classes = grouped_cv(matrix, data.labels, data.groups, name)
            r = cv_report(data.labels, proba, classes)
            print(
                f"| {variant} | {name} | {r['balanced_accuracy_7']:.3f} | "
                f"{r['balanced_accuracy_good_fault']:.3f} | {time.perf_counter() - start:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
