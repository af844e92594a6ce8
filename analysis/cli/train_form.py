"""``python -m analysis train-form``: rebuild models/squat_form.joblib and its model card.

Compares feature variants (bottom frame, whole rep resampled, both) and classifiers by
cross-validation that leaves one recording date out, ships the best by the mean of 7-class and good-vs-fault balanced
accuracy (refitted on all reps, fixed random state, so the file is reproducible) and
writes the model card with every number it measured.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from analysis.shared_data import REPO_ROOT, shared_data_dir

DEFAULT_DATA = shared_data_dir() / "squat_form"  # where the tests and benchmarks look too
DEFAULT_OUT = REPO_ROOT / "models" / "squat_form.joblib"
# Every variant with these (fast) classifiers, plus the ensemble on its own variant.
COMPARED_CLASSIFIERS = ("logistic_regression",)
ENSEMBLES = (("bottom_extra", "lr_hgb_vote"),)


def register(subparsers) -> None:
    parser = subparsers.add_parser("train-form", help="train the squat form model and write its model card")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="squat_form folder (reps.npz, labels.csv)")
    parser.add_argument(
        "-o",
        "--output",
        default=str(DEFAULT_OUT),
        help="model file (.joblib); the card goes beside it as .md",
    )
    parser.add_argument(
        "--classifiers", nargs="*", default=list(COMPARED_CLASSIFIERS), help="classifiers to compare"
    )
    parser.set_defaults(func=run)


def run(args) -> int:
    import joblib
    import numpy as np

    from analysis.files import replaced
    from analysis.form.dataset import load_dataset, rep_features
    from analysis.form.model import (
        VARIANTS,
        RepFeaturizer,
        SquatFormModel,
        cv_report,
        grouped_cv,
        linear_columns,
    )
    from analysis.form.model_card import write_model_card

    output = Path(args.output)
    card = output.with_suffix(".md")
    if card == output:  # the card would overwrite the model just written
        print(
            f"error: {output} would be both the model and its card: name the model OUT.joblib",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    data = load_dataset(args.data)
    reps = [rep_features(r) for r in data.reps]
    labels, groups = data.labels, data.groups
    results = []
    runs = [(v, name) for v in VARIANTS for name in args.classifiers] + list(ENSEMBLES)
    matrices = {}
    for variant, name in runs:
        if variant not in matrices:
            matrices[variant] = RepFeaturizer(variant=variant).fit(reps).transform(reps)
        matrix = matrices[variant]
        proba, classes = grouped_cv(matrix, labels, groups, name, n_linear=linear_columns(variant))
        report = cv_report(labels, proba, classes, groups)
        results.append({"variant": variant, "classifier": name, "n_features": matrix.shape[1], **report})
        print(
            f"{variant:12s} {name:24s} 7-class {report['balanced_accuracy_7']:.3f} "
            f"(consistent {report['balanced_accuracy_7_consistent']:.3f}) "
            f"good-vs-fault {report['balanced_accuracy_good_fault']:.3f}",
            file=sys.stderr,
            flush=True,
        )
    # Both targets count: choose by the mean of the 7-class (the printed, consistent label)
    # and good-vs-fault scores.
    best = max(results, key=lambda r: r["balanced_accuracy_7_consistent"] + r["balanced_accuracy_good_fault"])
    model = SquatFormModel(variant=best["variant"], classifier=best["classifier"]).fit(reps, labels)
    output.parent.mkdir(parents=True, exist_ok=True)
    with replaced(output) as tmp:  # a run stopped half way leaves the shipped model whole
        joblib.dump(model, tmp)
    write_model_card(card, data, model, results, best)  # no timing in it: a rerun writes the same bytes
    n_dates = len(np.unique(groups))
    print(
        f"{output}: {best['variant']} + {best['classifier']} on {len(labels)} reps, {n_dates} dates",
        file=sys.stderr,
    )
    print(f"{card}: model card written ({time.perf_counter() - started:.0f} s in all)", file=sys.stderr)
    return 0
