"""What the squat-form benchmark scripts share: the reps split by recording date, and the scores.

Every try leaves one recording date out (12 folds). It is scored three ways: *7-class*,
the likeliest class; *printed*, the label ``form predict`` prints (consistent with
P(good) >= 0.5); *good-vs-fault*, P(good) >= 0.5. All three are balanced accuracies.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import LeaveOneGroupOut  # noqa: E402

from analysis.form.dataset import GOOD_LABELS, load_dataset, rep_features  # noqa: E402
from analysis.form.model import decide_labels, good_probability  # noqa: E402
from analysis.shared_data import shared_data_dir  # noqa: E402

DATA = shared_data_dir() / "squat_form"


@dataclass(frozen=True)
class FormCv:
    """The shared data set, its per-rep features, labels and the leave-one-date-out folds."""

    data: object
    reps: list
    y: np.ndarray
    groups: np.ndarray
    truth_good: np.ndarray
    classes: np.ndarray
    folds: list


def load_form_cv(path: Path = DATA) -> FormCv:
    data = load_dataset(path)
    reps = [rep_features(r) for r in data.reps]
    y, groups = data.labels, data.groups
    return FormCv(
        data=data,
        reps=reps,
        y=y,
        groups=groups,
        truth_good=np.isin(y, GOOD_LABELS),
        classes=np.array(sorted(set(y))),
        folds=list(LeaveOneGroupOut().split(reps, y, groups)),
    )


def form_scores(proba: np.ndarray, y: np.ndarray, classes: np.ndarray, truth_good: np.ndarray) -> tuple:
    """(7-class, printed, good-vs-fault) balanced accuracies of out-of-fold probabilities."""
    return (
        balanced_accuracy_score(y, classes[np.argmax(proba, axis=1)]),
        balanced_accuracy_score(y, decide_labels(proba, classes, 0.5)),
        balanced_accuracy_score(truth_good, good_probability(proba, classes) >= 0.5),
    )
