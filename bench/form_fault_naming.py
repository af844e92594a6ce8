"""Squat form: should a faulty rep be named by a fault its own measure does not contradict?
(tried, not shipped)

Run: ``python bench/form_fault_naming.py``. A coach read "no depth" on a rep whose hips went
4 cm below the knee (review N, thirteenth session): the model judged the rep faulty
(P(good) under the strictness's line) and named its likeliest fault, whose own measure said
the opposite. The idea: name instead the likeliest fault whose measure is not better than
``q`` % of the good training reps' (hips above knee for "no depth", the largest trunk lean
for "bending forward", knee width for "knees caving", heel and toe rise), keeping the
model's first choice when every fault is so contradicted. Scored on the shipped model's
out-of-fold probabilities (leave one recording date out; the good reps' percentiles from the
training dates of each fold), printed 7-class balanced accuracy as in ``bench/form_metrics.py``.

Output of the last run (2026-11-22, 2 cores, 3.5 min)::

    | rule | labels changed | printed 7-class |
    |---|---|---|
    | none (shipped) | 0 | 0.599 |
    | q = 50 | 38 | 0.586 |
    | q = 25 | 52 | 0.575 |
    | q = 10 | 82 | 0.562 |

Not shipped: on labelled reps the model's own choice of fault is right more often than the
one its single measure points to (the faults show in several measures at once). The reason
keeps saying when the named fault's measure lies within the good reps' range.

Also tried in the thirteenth session (``train-form`` on a patched copy, not kept): the trunk
lean measured in the body's sagittal plane (the left-right component removed; from a side
camera that is MediaPipe's depth, where plates hiding the shoulders swung them 0.3 m and a
3-D angle read an upright lifter as leaning 67 degrees): grouped CV 0.590 / 0.781 (shipped
0.599 / 0.786), and on the clips two upright reps became faults (squat_side_formfit_1 rep 1
"bending forward, no depth" at P(good) 0.14; squat_sidethenfront_ikramaliokz_1 rep 2 "toes
lifting"). With extremes taken from a 0.23 s running median as well: 0.588 / 0.773.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.form.dataset import GOOD_LABELS, load_dataset, rep_features  # noqa: E402
from analysis.form.model import RepFeaturizer, decide_labels, grouped_cv, linear_columns  # noqa: E402
from analysis.form.verdict import FAULT_RULES  # noqa: E402
from bench.counting_metrics import SHARED, table  # noqa: E402

LOW_IS_FAULT = {"knees caving"}  # a low knee width is the fault; for the others a high value


def _contradicted(fault: str, row: np.ndarray, names: list, line: dict) -> bool:
    """Whether a rep's own measure of ``fault`` is better than the line drawn for it."""
    if fault not in FAULT_RULES:
        return False
    value = row[names.index(FAULT_RULES[fault])]
    if not np.isfinite(value):
        return False
    return value > line[fault] if fault in LOW_IS_FAULT else value < line[fault]


def consistent_names(proba, classes, labels, groups, matrix, names, q: float) -> np.ndarray:
    """The printed labels, with each fault replaced by the likeliest one not contradicted."""
    classes = np.asarray(classes)
    printed = decide_labels(proba, classes)
    out = printed.copy()
    faults = [k for k, c in enumerate(classes) if c not in GOOD_LABELS]
    for date in np.unique(groups):
        good_train = (groups != date) & np.isin(labels, GOOD_LABELS)
        line = {
            fault: np.nanpercentile(
                matrix[good_train, names.index(feature)], q if fault in LOW_IS_FAULT else 100 - q
            )
            for fault, feature in FAULT_RULES.items()
        }
        for i in np.flatnonzero((groups == date) & ~np.isin(printed, GOOD_LABELS)):
            order = sorted(faults, key=lambda k: -proba[i, k])
            kept = [k for k in order if not _contradicted(classes[k], matrix[i], names, line)]
            out[i] = classes[kept[0] if kept else order[0]]
    return out


def main() -> None:
    data = load_dataset(SHARED / "squat_form")
    reps = [rep_features(r) for r in data.reps]
    labels, groups = np.asarray(data.labels), np.asarray(data.groups)
    featurizer = RepFeaturizer(variant="bottom_extra").fit(reps)
    matrix = featurizer.transform(reps)
    names = list(featurizer.feature_names_)
    proba, classes = grouped_cv(
        matrix, labels, groups, "lr_hgb_vote", n_linear=linear_columns("bottom_extra")
    )
    printed = decide_labels(proba, classes)
    rows = [["none (shipped)", 0, balanced_accuracy_score(labels, printed)]]
    for q in (50, 25, 10):
        named = consistent_names(proba, classes, labels, groups, matrix, names, q)
        rows.append([f"q = {q}", int((named != printed).sum()), balanced_accuracy_score(labels, named)])
    print(table(["rule", "labels changed", "printed 7-class"], rows))


if __name__ == "__main__":
    main()
