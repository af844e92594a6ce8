"""Squat form: does adapting to each session's label mix help? (tried, not shipped)

Run: ``python bench/form_label_shift.py``. The label mix differs wildly between recording
dates (09052023 holds only "bending forward" and "knees caving"), and the shipped model is
trained class-balanced. Saerens, Latinne and Decaestecker (2002, "Adjusting the outputs of
a classifier to new a priori probabilities") re-estimate the class priors of a new batch
by EM from the classifier's own probabilities, no labels needed, and re-weight each rep's
probabilities by new prior / training prior. Here the batch is the held-out date's reps
(leave one date out, as everywhere), or random batches of 5-20 reps of that date (what one
clip or one set gives the app), or every held-out rep pooled. Two forms: all 7 priors,
and only P(good) against P(fault) (the good styles and the faults keep their inner
odds). ``alpha`` adds that many pseudo-reps spread evenly over the classes (a Dirichlet
prior that keeps small batches from collapsing onto one class). Scores as in
``bench/form_metrics.py``.

Output of the last run (2026-11-22, 2 cores, 50 s)::

    | adaptation | batch | alpha | 7-class | printed | good-vs-fault |
    |---|---|---|---|---|---|
    | none (shipped) | - | - | 0.619 | 0.599 | 0.786 |
    | 7 priors | held-out date | 0 | 0.587 | 0.585 | 0.828 |
    | 7 priors | held-out date | 3 | 0.588 | 0.587 | 0.827 |
    | 7 priors | held-out date | 30 | 0.600 | 0.594 | 0.822 |
    | good vs fault | held-out date | 0 | 0.619 | 0.607 | 0.817 |
    | good vs fault | held-out date | 5 | 0.619 | 0.607 | 0.816 |
    | good vs fault | held-out date | 20 | 0.619 | 0.609 | 0.819 |
    | good vs fault | 5 reps of the date | 5 | 0.619 | 0.612 | 0.805 |
    | good vs fault | 10 reps of the date | 5 | 0.619 | 0.614 | 0.808 |
    | good vs fault | 20 reps of the date | 5 | 0.619 | 0.605 | 0.800 |
    | good vs fault | all held-out reps pooled | 5 | 0.619 | 0.624 | 0.795 |

Not shipped. The gain comes from batches of one session's reps, where this data set's
sessions are nearly one label each by design (people were asked to repeat one fault): a
whole recording date gives +0.03 good-vs-fault (7 priors: +0.04, but 7-class falls), one
clip's worth of 5-10 reps +0.02. It reaches neither target, and it makes a rep's verdict
depend on the other reps in the batch: in a set of good squats with one bad rep, the
adapted prior talks that rep into "good", the opposite of what a coach wants. Pooling every
held-out rep amounts to one global shift of the P(good) threshold (tried before in
``bench/form_tries.py``, no gain beyond the noise between folds).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import balanced_accuracy_score  # noqa: E402

from analysis.form.dataset import GOOD_LABELS  # noqa: E402
from analysis.form.model import (  # noqa: E402
    RepFeaturizer,
    decide_labels,
    good_probability,
    grouped_cv,
    linear_columns,
)
from bench.form_metrics import form_scores, load_form_cv  # noqa: E402


def adapt_priors(proba: np.ndarray, alpha: float = 0.0, iterations: int = 100) -> np.ndarray:
    """Saerens et al.'s EM: ``proba`` (n, k) from a classifier trained on even priors,
    re-weighted to the priors this batch implies. Returns the adapted (n, k)."""
    k = proba.shape[1]
    prior = np.full(k, 1.0 / k)
    adapted = proba
    for _ in range(iterations):
        adapted = proba * prior * k
        adapted /= adapted.sum(axis=1, keepdims=True)
        prior = (adapted.sum(axis=0) + alpha / k) / (len(proba) + alpha)
    return adapted


def adapt_good(p_good: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """The same EM on P(good) alone (two classes, even training prior)."""
    two = adapt_priors(np.column_stack([p_good, 1 - p_good]), alpha)
    return two[:, 0]


def batches(groups: np.ndarray, size: int | None, rng: np.random.Generator):
    """Index arrays: each held-out date, cut into random batches of ``size`` (None = whole)."""
    for date in np.unique(groups):
        index = np.flatnonzero(groups == date)
        if size is None:
            yield index
            continue
        rng.shuffle(index)
        yield from (index[i : i + size] for i in range(0, len(index), size))


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    started = time.perf_counter()
    cv = load_form_cv()
    matrix = RepFeaturizer("bottom_extra").fit(cv.reps).transform(cv.reps)
    proba, classes = grouped_cv(
        matrix, cv.y, cv.groups, "lr_hgb_vote", n_linear=linear_columns("bottom_extra")
    )
    rows = [("none (shipped)", "-", "-", form_scores(proba, cv.y, classes, cv.truth_good))]
    for alpha in (0, 3, 30):
        adapted = np.zeros_like(proba)
        for index in batches(cv.groups, None, np.random.default_rng(0)):
            adapted[index] = adapt_priors(proba[index], alpha)
        rows.append(("7 priors", "held-out date", alpha, form_scores(adapted, cv.y, classes, cv.truth_good)))

    p_good = good_probability(proba, classes)

    def good_rows(label: str, size: int | None, alpha: float, pooled: bool = False):
        adapted = np.zeros_like(p_good)
        if pooled:
            adapted = adapt_good(p_good, alpha)
        else:
            for index in batches(cv.groups, size, np.random.default_rng(0)):
                adapted[index] = adapt_good(p_good[index], alpha)
        printed = decide_labels(proba, classes, 0.5, p_good=adapted)
        scores = (
            balanced_accuracy_score(cv.y, classes[np.argmax(proba, axis=1)]),
            balanced_accuracy_score(cv.y, printed),
            balanced_accuracy_score(np.isin(cv.y, GOOD_LABELS), adapted >= 0.5),
        )
        rows.append(("good vs fault", label, alpha, scores))

    for alpha in (0, 5, 20):
        good_rows("held-out date", None, alpha)
    for size in (5, 10, 20):
        good_rows(f"{size} reps of the date", size, 5)
    good_rows("all held-out reps pooled", None, 5, pooled=True)

    print("| adaptation | batch | alpha | 7-class | printed | good-vs-fault |")
    print("|---|---|---|---|---|---|")
    for kind, batch, alpha, (seven, printed, good) in rows:
        print(f"| {kind} | {batch} | {alpha} | {seven:.3f} | {printed:.3f} | {good:.3f} |")
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
