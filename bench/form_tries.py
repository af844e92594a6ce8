"""Ideas tried for the squat-form model, with their grouped-CV scores.

Run: ``python bench/form_tries.py [--quick]``. Every row leaves one recording date out.
Round 1 (first helper): the "bottom" features with logistic regression, and ideas around
it. Round 2: trees, gradient boosting, quantile transforms, soft-voting ensembles (the
shipped "lr_hgb_vote"), dedicated binary good-vs-fault models, other P(good) thresholds.
*7-class* is the likeliest class, *printed* the label consistent with P(good) >= 0.5
(what ``form predict`` prints). Prints markdown tables to paste into the report.
``--quick`` skips the gradient-boosting rows (minutes each on 2 cores).

Output of the last full run (2026-11-21, second round; the shipped model is the
"[shipped lr_hgb_vote]" row, the same number ``train-form`` measures)::

    | try | 7-class | printed | good-vs-fault |
    |---|---|---|---|
    | round 1 shipped: bottom features, logistic regression C=0.1 | 0.582 | 0.556 | 0.762 |
    | logistic regression C=0.03 | 0.584 | 0.542 | 0.769 |
    | logistic regression C=1 | 0.545 | 0.521 | 0.745 |
    | RBF support vector machine | 0.513 | 0.480 | 0.689 |
    | features standardised per recording date | 0.300 | 0.292 | 0.602 |
    | joint positions at the bottom in a body frame | 0.465 | 0.411 | 0.630 |
    | bottom features + body-frame joints, random forest | 0.563 | 0.487 | 0.745 |
    | round 2: bottom_extra features, logistic regression | 0.563 | 0.530 | 0.747 |
    | quantile transform, bottom features, logistic regression | 0.540 | 0.499 | 0.734 |
    | quantile transform, bottom_extra features, logistic regression | 0.527 | 0.491 | 0.739 |
    | quantile transform, bottom_extra, logistic regression C=0.03 | 0.545 | 0.493 | 0.749 |
    | extra trees, bottom features | 0.511 | 0.430 | 0.687 |
    | extra trees, bottom_extra features | 0.557 | 0.483 | 0.725 |
    | bottom + foot-plane heel/toe rise + knee-over-toe, logistic regression | 0.584 | 0.559 | 0.768 |
    | gradient boosting, bottom features | 0.561 | 0.555 | 0.696 |
    | gradient boosting, bottom_extra features | 0.599 | 0.593 | 0.765 |
    | gradient boosting, bottom_extra + foot-plane + knee-over-toe | 0.604 | 0.605 | 0.783 |
    | soft vote: logistic (bottom) + extra trees (bottom_extra) | 0.598 | 0.559 | 0.767 |
    | soft vote: logistic (bottom) + gradient boosting (bottom_extra) [shipped lr_hgb_vote] | 0.619 | 0.599 | 0.786 |
    | soft vote: logistic (bottom_extra) + gradient boosting (bottom_extra) | 0.614 | 0.596 | 0.788 |
    | soft vote: logistic + extra trees + gradient boosting | 0.625 | 0.591 | 0.776 |
    | soft vote: logistic (bottom) + gradient boosting (bottom_extra + foot-plane + knee-over-toe) | 0.621 | 0.600 | 0.793 |

    Good-vs-fault from a dedicated binary model (P(good) >= 0.5; printed label: the vote's
    likeliest good style or fault on that side):

    | binary model | good-vs-fault | printed 7-class |
    |---|---|---|
    | logistic regression, bottom | 0.743 | 0.542 |
    | logistic regression, bottom_extra | 0.755 | 0.560 |
    | gradient boosting, bottom_extra | 0.737 | 0.595 |

    P(good) threshold on the plain sum of the two good classes (shipped: 2/7, the class-balanced prior):

    | model | threshold | good-vs-fault | printed 7-class |
    |---|---|---|---|
    | logistic (bottom) | 0.250 | 0.761 | 0.545 |
    | logistic (bottom) | 0.286 | 0.762 | 0.556 |
    | logistic (bottom) | 0.330 | 0.767 | 0.568 |
    | logistic (bottom) | 0.400 | 0.770 | 0.578 |
    | logistic (bottom) | 0.500 | 0.761 | 0.580 |
    | lr_hgb_vote | 0.250 | 0.774 | 0.584 |
    | lr_hgb_vote | 0.286 | 0.786 | 0.599 |
    | lr_hgb_vote | 0.330 | 0.792 | 0.608 |
    | lr_hgb_vote | 0.400 | 0.793 | 0.625 |
    | lr_hgb_vote | 0.500 | 0.775 | 0.625 |
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import cross_val_predict  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import QuantileTransformer, StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from analysis.form.dataset import GOOD_LABELS  # noqa: E402
from analysis.form.features import SCALAR_NAMES, standing_frames  # noqa: E402
from analysis.form.model import RepFeaturizer  # noqa: E402
from analysis.form.skeleton import J  # noqa: E402
from bench.form_metrics import form_scores, load_form_cv  # noqa: E402


def foot_plane_features(features) -> np.ndarray:
    """Heel and toe rise above the floor plane fitted to the standing frames' heels and toes,
    per side (the higher one), max and 90th percentile over the rep, in leg lengths; and how
    far the knees travel past the toes (max over the rep, leg lengths)."""
    j, up, leg = features.joints, features.up, features.lengths["leg"]
    standing = standing_frames(j)
    feet = ["left_heel", "right_heel", "left_foot_index", "right_foot_index"]
    points = j[standing][:, [J[n] for n in feet]].reshape(-1, 3)
    points = points[np.isfinite(points).all(axis=1)]
    centre = points.mean(axis=0)
    normal = np.linalg.svd(points - centre)[2][-1]
    normal = normal if normal @ up >= 0 else -normal
    if normal @ up < np.cos(np.radians(35)):  # degenerate plane (feet in a line): use "up"
        normal = up
    out = []
    for left, right in (("left_heel", "right_heel"), ("left_foot_index", "right_foot_index")):
        rises = []
        for name in (left, right):
            h = (j[:, J[name]] - centre) @ normal / leg
            rises.append(h - np.nanmedian(h[standing]))
        rise = np.maximum(*rises)
        out += [np.nanmax(rise), np.nanpercentile(rise, 90)]
    heel = (j[:, J["left_heel"]] + j[:, J["right_heel"]]) / 2
    toe = (j[:, J["left_foot_index"]] + j[:, J["right_foot_index"]]) / 2
    forward = np.nanmedian(toe - heel, axis=0)
    forward = forward - (forward @ up) * up
    forward /= np.linalg.norm(forward)
    travel = [(j[:, J[f"{s}_knee"]] - j[:, J[f"{s}_foot_index"]]) @ forward for s in ("left", "right")]
    out.append(np.nanmax(np.maximum(*travel)) / leg)
    return np.array(out)


def canonical_bottom_pose(features) -> np.ndarray:
    """Joint positions at the bottom frame in a body frame (ankles origin, up, facing), leg units."""
    j, up = features.joints, features.up
    heel = (j[:, J["left_heel"]] + j[:, J["right_heel"]]) / 2
    toe = (j[:, J["left_foot_index"]] + j[:, J["right_foot_index"]]) / 2
    forward = np.median(toe - heel, axis=0)
    forward = forward - (forward @ up) * up
    forward /= np.linalg.norm(forward)
    side = np.cross(up, forward)
    ankles = np.median((j[:, J["left_ankle"]] + j[:, J["right_ankle"]]) / 2, axis=0)
    p = (j[features.bottom] - ankles) / features.lengths["leg"]
    return np.stack([p @ forward, p @ up, p @ side], axis=-1)[3:].ravel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the gradient-boosting rows (minutes each on 2 cores)"
    )
    quick = parser.parse_args().quick
    warnings.simplefilter("ignore")
    cv = load_form_cv()
    reps, y, groups = cv.reps, cv.y, cv.groups
    truth_good, classes, folds = cv.truth_good, cv.classes, cv.folds
    bottom = RepFeaturizer("bottom").fit(reps).transform(reps)
    session = bottom.copy()
    for g in np.unique(groups):
        m = groups == g
        q1, med, q3 = np.nanpercentile(bottom[m], [25, 50, 75], axis=0)
        session[m] = (bottom[m] - med) / np.where(q3 > q1, q3 - q1, 1.0)
    canonical = np.array([canonical_bottom_pose(r) for r in reps])

    def logistic(c=0.1):
        return make_pipeline(
            SimpleImputer(strategy="median"),
            StandardScaler(),
            LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
        )

    forest = make_pipeline(
        SimpleImputer(strategy="median"),
        RandomForestClassifier(300, min_samples_leaf=2, class_weight="balanced", random_state=0, n_jobs=1),
    )
    svc = make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        SVC(probability=True, class_weight="balanced", random_state=0),
    )
    tries = [
        ("round 1 shipped: bottom features, logistic regression C=0.1", logistic(), bottom),
        ("logistic regression C=0.03", logistic(0.03), bottom),
        ("logistic regression C=1", logistic(1.0), bottom),
        ("RBF support vector machine", svc, bottom),
        ("features standardised per recording date", logistic(), session),
        ("joint positions at the bottom in a body frame", logistic(0.03), canonical),
        ("bottom features + body-frame joints, random forest", forest, np.hstack([bottom, canonical])),
    ]
    extra = RepFeaturizer("bottom_extra").fit(reps).transform(reps)
    assert np.allclose(extra[:, : len(SCALAR_NAMES)], bottom, equal_nan=True)

    def quantile_logistic(c=0.1):
        return make_pipeline(
            SimpleImputer(strategy="median"),
            QuantileTransformer(n_quantiles=200, output_distribution="normal"),
            LogisticRegression(C=c, max_iter=3000, class_weight="balanced"),
        )

    extra_trees = make_pipeline(
        SimpleImputer(strategy="median"),
        ExtraTreesClassifier(300, min_samples_leaf=2, class_weight="balanced", random_state=0, n_jobs=1),
    )

    def boosting():
        return HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0,
            class_weight="balanced", random_state=0,
        )  # fmt: skip

    tries += [
        ("round 2: bottom_extra features, logistic regression", logistic(), extra),
        ("quantile transform, bottom features, logistic regression", quantile_logistic(), bottom),
        ("quantile transform, bottom_extra features, logistic regression", quantile_logistic(), extra),
        ("quantile transform, bottom_extra, logistic regression C=0.03", quantile_logistic(0.03), extra),
        ("extra trees, bottom features", extra_trees, bottom),
        ("extra trees, bottom_extra features", extra_trees, extra),
    ]
    plane = np.array([foot_plane_features(r) for r in reps])
    tries += [
        (
            "bottom + foot-plane heel/toe rise + knee-over-toe, logistic regression",
            logistic(),
            np.hstack([bottom, plane]),
        )
    ]
    if not quick:
        tries += [
            ("gradient boosting, bottom features", boosting(), bottom),
            ("gradient boosting, bottom_extra features", boosting(), extra),
            (
                "gradient boosting, bottom_extra + foot-plane + knee-over-toe",
                boosting(),
                np.hstack([extra, plane]),
            ),
        ]
    print("| try | 7-class | printed | good-vs-fault |")
    print("|---|---|---|---|")
    oof = {}

    def show(name, proba):
        seven, printed, binary = form_scores(proba, y, classes, truth_good)
        print(f"| {name} | {seven:.3f} | {printed:.3f} | {binary:.3f} |", flush=True)

    for name, model, matrix in tries:
        oof[name] = proba = cross_val_predict(model, matrix, y, cv=folds, method="predict_proba")
        show(name, proba)
    linear = oof["round 1 shipped: bottom features, logistic regression C=0.1"]
    show(
        "soft vote: logistic (bottom) + extra trees (bottom_extra)",
        (linear + oof["extra trees, bottom_extra features"]) / 2,
    )
    if quick:
        return
    vote = (linear + oof["gradient boosting, bottom_extra features"]) / 2
    show("soft vote: logistic (bottom) + gradient boosting (bottom_extra) [shipped lr_hgb_vote]", vote)
    show(
        "soft vote: logistic (bottom_extra) + gradient boosting (bottom_extra)",
        (
            oof["round 2: bottom_extra features, logistic regression"]
            + oof["gradient boosting, bottom_extra features"]
        )
        / 2,
    )
    show(
        "soft vote: logistic + extra trees + gradient boosting",
        (linear + oof["extra trees, bottom_extra features"] + oof["gradient boosting, bottom_extra features"])
        / 3,
    )
    show(
        "soft vote: logistic (bottom) + gradient boosting (bottom_extra + foot-plane + knee-over-toe)",
        (linear + oof["gradient boosting, bottom_extra + foot-plane + knee-over-toe"]) / 2,
    )

    print()
    print("Good-vs-fault from a dedicated binary model (P(good) >= 0.5; printed label: the vote's")
    print("likeliest good style or fault on that side):")
    print()
    print("| binary model | good-vs-fault | printed 7-class |")
    print("|---|---|---|")
    binary_oof = {}
    for name, model, matrix in [
        ("logistic regression, bottom", logistic(), bottom),
        ("logistic regression, bottom_extra", logistic(), extra),
        ("gradient boosting, bottom_extra", boosting(), extra),
    ]:
        p = cross_val_predict(model, matrix, truth_good, cv=folds, method="predict_proba")[:, 1]
        binary_oof[name] = p
        good = np.isin(classes, GOOD_LABELS)
        best_good = classes[good][np.argmax(vote[:, good], axis=1)]
        best_fault = classes[~good][np.argmax(vote[:, ~good], axis=1)]
        label = np.where(p >= 0.5, best_good, best_fault)
        print(
            f"| {name} | {balanced_accuracy_score(truth_good, p >= 0.5):.3f} | "
            f"{balanced_accuracy_score(y, label):.3f} |",
            flush=True,
        )

    print()
    print(
        "P(good) threshold on the plain sum of the two good classes (shipped: 2/7, the class-balanced prior):"
    )
    print()
    print("| model | threshold | good-vs-fault | printed 7-class |")
    print("|---|---|---|---|")
    good = np.isin(classes, GOOD_LABELS)
    for name, proba in [("logistic (bottom)", linear), ("lr_hgb_vote", vote)]:
        for threshold in (0.25, 2 / 7, 0.33, 0.4, 0.5):
            is_good = proba[:, good].sum(axis=1) >= threshold
            best_good = classes[good][np.argmax(proba[:, good], axis=1)]
            best_fault = classes[~good][np.argmax(proba[:, ~good], axis=1)]
            label = np.where(is_good, best_good, best_fault)
            print(
                f"| {name} | {threshold:.3f} | {balanced_accuracy_score(truth_good, is_good):.3f} | "
                f"{balanced_accuracy_score(y, label):.3f} |"
            )


if __name__ == "__main__":
    main()
