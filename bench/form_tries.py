"""Ideas tried against the shipped squat-form set-up and not adopted, with their grouped-CV scores.

Run: ``python bench/form_tries.py``. Every row leaves one recording date out; the
baseline row is the shipped model (variant "bottom", logistic regression). Prints a
markdown table to paste into the report.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from analysis.form.dataset import GOOD_LABELS, load_dataset, rep_features  # noqa: E402
from analysis.form.model import RepFeaturizer, good_probability  # noqa: E402
from analysis.form.skeleton import J  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "squat_form"


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
    warnings.simplefilter("ignore")
    data = load_dataset(DATA)
    reps = [rep_features(r) for r in data.reps]
    y, groups = data.labels, data.groups
    truth_good = np.isin(y, GOOD_LABELS)
    classes = np.array(sorted(set(y)))
    folds = list(LeaveOneGroupOut().split(reps, y, groups))
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
        ("shipped: bottom features, logistic regression C=0.1", logistic(), bottom),
        ("logistic regression C=0.03", logistic(0.03), bottom),
        ("logistic regression C=1", logistic(1.0), bottom),
        ("RBF support vector machine", svc, bottom),
        ("features standardised per recording date", logistic(), session),
        ("joint positions at the bottom in a body frame", logistic(0.03), canonical),
        ("bottom features + body-frame joints, random forest", forest, np.hstack([bottom, canonical])),
    ]
    print("| try | 7-class | good-vs-fault |")
    print("|---|---|---|")
    for name, model, matrix in tries:
        proba = cross_val_predict(model, matrix, y, cv=folds, method="predict_proba")
        seven = balanced_accuracy_score(y, classes[np.argmax(proba, axis=1)])
        binary = balanced_accuracy_score(truth_good, good_probability(proba, classes) >= 0.5)
        print(f"| {name} | {seven:.3f} | {binary:.3f} |", flush=True)


if __name__ == "__main__":
    main()
