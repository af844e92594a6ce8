"""The squat-form classifier: features -> one of seven labels, plus its grouped evaluation.

``make_form_model`` builds a scikit-learn ``Pipeline`` whose first step,
``RepFeaturizer``, turns reps (``RepFeatures`` or raw (frames, 19, 3) arrays) into a
feature matrix, so the saved model predicts straight from reps. Evaluation always
splits by recording date (``LeaveOneGroupOut``): reps of one session share people and
set-up, and a random split would leak them and inflate the score.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import LeaveOneGroupOut
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from analysis.form.dataset import DATASET_FPS, GOOD_LABELS, LABELS
from analysis.form.features import EXTRA_SCALAR_NAMES, SCALAR_NAMES, SERIES_NAMES, RepFeatures

VARIANTS = ("bottom_frame", "bottom", "bottom_extra", "temporal", "both")
CLASSIFIERS = ("random_forest", "extra_trees", "hist_gradient_boosting", "logistic_regression", "lr_hgb_vote")


class SquatFormModel(BaseEstimator, ClassifierMixin):
    """The shipped squat-form model: 7-class probabilities plus the fault-rule thresholds.

    Parameters:
        variant, classifier, n_points, random_state: as in ``make_form_model``.
        rule_percentiles: (loose, strict) percentiles of the good reps' feature values
            that bound each rule's threshold; strictness 0 uses the loose one.

    Fitted attributes: ``pipeline_`` (featurizer + classifier), ``classes_``,
    ``thresholds_`` (feature -> (loose, strict) value of good reps), ``n_train_``.
    """

    def __init__(
        self,
        variant: str = "bottom_extra",
        classifier: str = "lr_hgb_vote",
        n_points: int = 12,
        random_state: int = 0,
        rule_percentiles: tuple[float, float] = (99.0, 85.0),
    ):
        self.variant = variant
        self.classifier = classifier
        self.n_points = n_points
        self.random_state = random_state
        self.rule_percentiles = rule_percentiles

    def fit(self, X, y):
        reps = [as_features(r) for r in X]
        y = np.asarray(y)
        keep = np.array([r is not None for r in reps])
        reps, y = [r for r in reps if r is not None], y[keep]
        self.pipeline_ = make_form_model(self.variant, self.classifier, self.n_points, self.random_state)
        self.pipeline_.fit(reps, y)
        self.classes_ = np.asarray(self.pipeline_.classes_)
        self.thresholds_ = _rule_thresholds(reps, y, self.rule_percentiles)
        self.n_train_ = len(y)
        return self

    def predict_proba(self, X) -> np.ndarray:
        # one OpenMP thread: the verdicts predict one rep at a time, and the gradient boosting's
        # two threads waited on each other whenever the 2 cores were busy (a pose pass, another
        # tab): 72 reps took 14-22 s instead of 1 (review AE). The probabilities are the same.
        with _openmp().limit(limits=1, user_api="openmp"):
            return self.pipeline_.predict_proba([as_features(r) for r in X])

    def predict_good(self, X) -> np.ndarray:
        """P(good form) per rep (see ``good_probability``)."""
        return good_probability(self.predict_proba(X), self.classes_)

    def predict(self, X) -> np.ndarray:
        """One of the 7 labels per rep, consistent with ``predict_good`` at 0.5: the likeliest
        good style when P(good) >= 0.5, else the likeliest fault (see ``decide_labels``)."""
        return decide_labels(self.predict_proba(X), self.classes_, 0.5)


@functools.cache
def _openmp():
    """The process's thread pools, looked up once (``threadpool_limits`` looks them up on every
    call, 3 ms, for each rep); by the first prediction the model's OpenMP library is loaded."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def as_features(rep, fps: float = DATASET_FPS) -> RepFeatures | None:
    """``RepFeatures`` of a rep given as features or as a raw (frames, 19, 3) array;
    None when the array has too few usable frames (the model imputes every measure).

    The model's methods take either form, so a caller that needs to know which reps
    cannot be measured featurises once and passes the features on.
    """
    if rep is None or isinstance(rep, RepFeatures):
        return rep
    try:
        return RepFeatures.from_joints(np.asarray(rep, dtype=np.float64), np.arange(len(rep)) / fps)
    except (ValueError, IndexError, FloatingPointError, np.linalg.LinAlgError):
        return None


# Interpretable features the fault rules read, and the direction that means "worse".
RULE_FEATURES: dict[str, str] = {
    "bottom_hip_above_knee": "high",
    "bottom_knee_angle": "high",
    "max_trunk_lean": "high",
    "bottom_knee_width_ratio": "low",
    "max_heel_rise": "high",
    "max_toe_rise": "high",
    "max_abs_knee_asym": "high",
}


def _rule_thresholds(reps, labels, percentiles) -> dict[str, tuple[float, float]]:
    """Per rule feature, the values good reps stay within (loose and strict percentile)."""
    good = np.isin(labels, GOOD_LABELS)
    out = {}
    for name, direction in RULE_FEATURES.items():
        values = np.array([r.scalars[name] for r, g in zip(reps, good) if g], dtype=np.float64)
        values = values[np.isfinite(values)]
        loose, strict = percentiles
        if direction == "low":
            loose, strict = 100 - loose, 100 - strict
        out[name] = (float(np.percentile(values, loose)), float(np.percentile(values, strict)))
    return out


class RepFeaturizer(BaseEstimator, TransformerMixin):
    """Reps -> feature matrix.

    Parameters:
        variant: "bottom_frame" (the per-frame features at the bottom frame only, as
            DeepSquat looks at the full-squat frame), "bottom" (those plus ranges,
            extremes and tempo), "bottom_extra" (bottom plus
            ``EXTRA_SCALAR_NAMES``), "temporal" (every per-frame series
            resampled to ``n_points`` over the rep, as the mobile assistant's temporal
            model) or "both".
        n_points: samples per series for the temporal variant.
        fps: frame rate assumed for raw arrays (``RepFeatures`` carry their own times).
    """

    def __init__(self, variant: str = "both", n_points: int = 12, fps: float = DATASET_FPS):
        self.variant = variant
        self.n_points = n_points
        self.fps = fps

    def fit(self, X, y=None):
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {self.variant!r}")
        names = []
        if self.variant == "bottom_frame":
            names += [n for n in SCALAR_NAMES if n.startswith("bottom_")]
        if self.variant in ("bottom", "bottom_extra", "both"):
            names += list(SCALAR_NAMES)
        if self.variant == "bottom_extra":
            names += list(EXTRA_SCALAR_NAMES)
        if self.variant in ("temporal", "both"):
            names += [f"{s}@{i}" for s in SERIES_NAMES for i in range(self.n_points)]
        self.feature_names_ = np.array(names)
        self.n_features_in_ = 1
        return self

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_

    def transform(self, X) -> np.ndarray:
        """One row per rep; a rep too broken to measure gets a row of NaN (imputed later)."""
        rows = []
        n_columns = len(self.feature_names_)
        for rep in X:
            features = as_features(rep, self.fps)
            if features is None:
                rows.append(np.full(n_columns, np.nan))
                continue
            parts = []
            if self.variant == "bottom_frame":
                parts.append([features.scalars[n] for n in SCALAR_NAMES if n.startswith("bottom_")])
            if self.variant in ("bottom", "bottom_extra", "both"):
                parts.append([features.scalars[name] for name in SCALAR_NAMES])
            if self.variant == "bottom_extra":
                parts.append([features.scalars[name] for name in EXTRA_SCALAR_NAMES])
            if self.variant in ("temporal", "both"):
                parts.append(features.resampled(self.n_points).ravel())
            rows.append(np.concatenate([np.asarray(p, dtype=np.float64) for p in parts]))
        matrix = np.array(rows)
        return np.where(np.isfinite(matrix), matrix, np.nan)


def make_classifier(name: str = "extra_trees", random_state: int = 0, n_linear: int | None = None):
    """One of ``CLASSIFIERS`` with the settings used for every comparison.

    "lr_hgb_vote" averages the class probabilities of logistic regression (on the first
    ``n_linear`` columns, all when None) and gradient boosting (on all columns): the
    linear model extrapolates smoothly to dates unlike the training ones, the trees catch
    thresholds and interactions (e.g. heel rise only matters with a deep knee bend).
    Equal weights, not tuned.
    """
    if name == "lr_hgb_vote":
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import VotingClassifier

        linear = make_classifier("logistic_regression", random_state)
        if n_linear is not None:
            select = ColumnTransformer([("first", "passthrough", slice(0, n_linear))])
            linear = Pipeline([("select", select), *linear.steps])
        boosting = HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0,
            class_weight="balanced", random_state=random_state,
        )  # fmt: skip
        return VotingClassifier([("linear", linear), ("boosting", boosting)], voting="soft")
    if name == "random_forest":
        return RandomForestClassifier(
            n_estimators=300, min_samples_leaf=2, class_weight="balanced", n_jobs=1, random_state=random_state
        )
    if name == "extra_trees":
        return ExtraTreesClassifier(
            n_estimators=400, min_samples_leaf=2, class_weight="balanced", n_jobs=1, random_state=random_state
        )
    if name == "hist_gradient_boosting":
        return HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.08, max_leaf_nodes=15, l2_regularization=1.0,
            class_weight="balanced", random_state=random_state,
        )  # fmt: skip
    if name == "logistic_regression":
        from sklearn.impute import SimpleImputer

        return make_pipeline(
            SimpleImputer(strategy="median"),
            StandardScaler(),
            LogisticRegression(C=0.1, max_iter=2000, class_weight="balanced"),
        )
    raise ValueError(f"classifier must be one of {CLASSIFIERS}, not {name!r}")


def _impute_for_trees(name: str, clf):
    """Random forests and extra trees refuse NaN in older scikit-learn: impute first."""
    if name in ("random_forest", "extra_trees"):
        from sklearn.impute import SimpleImputer

        return make_pipeline(SimpleImputer(strategy="median"), clf)
    return clf


def linear_columns(variant: str) -> int | None:
    """Columns the linear half of "lr_hgb_vote" reads: for *bottom_extra*, only the *bottom*
    features (the extra ones helped the trees but not the linear model, see the model card)."""
    return len(SCALAR_NAMES) if variant == "bottom_extra" else None


def make_form_model(
    variant: str = "bottom_extra",
    classifier: str = "lr_hgb_vote",
    n_points: int = 12,
    random_state: int = 0,
) -> Pipeline:
    """Unfitted pipeline: ``RepFeaturizer`` then the classifier."""
    clf = _impute_for_trees(classifier, make_classifier(classifier, random_state, linear_columns(variant)))
    return Pipeline([("features", RepFeaturizer(variant=variant, n_points=n_points)), ("classifier", clf)])


def good_probability(proba: np.ndarray, classes) -> np.ndarray:
    """P(good form) from the 7 class probabilities, with good and fault equally likely a priori.

    The classifiers are trained class-balanced, i.e. with a prior of 2/7 on good form
    (two good styles, five faults). Summing the two good classes and rescaling the odds
    by 5/2 puts the prior at 1/2, so ``p_good >= 0.5`` is the balanced decision.
    """
    classes = np.asarray(classes)
    good = np.isin(classes, GOOD_LABELS)
    p = np.clip(proba[:, good].sum(axis=1), 1e-9, 1 - 1e-9)
    odds = p / (1 - p) * (np.count_nonzero(~good) / max(1, np.count_nonzero(good)))
    return odds / (1 + odds)


def decide_labels(proba: np.ndarray, classes, threshold: float = 0.5, p_good=None) -> np.ndarray:
    """Label per rep, consistent with P(good): the likeliest good style when
    ``p_good >= threshold``, otherwise the likeliest fault. ``p_good`` defaults to
    ``good_probability(proba, classes)`` (pass it to decide on a rounded value)."""
    classes = np.asarray(classes)
    good = np.isin(classes, GOOD_LABELS)
    p_good = good_probability(proba, classes) if p_good is None else np.asarray(p_good)
    best_good = classes[good][np.argmax(proba[:, good], axis=1)]
    best_fault = classes[~good][np.argmax(proba[:, ~good], axis=1)]
    return np.where(p_good >= threshold, best_good, best_fault)


def grouped_cv(
    matrix: np.ndarray,
    labels,
    groups,
    classifier: str = "extra_trees",
    random_state: int = 0,
    n_linear: int | None = None,
):
    """Out-of-fold class probabilities, leaving one recording date out at a time.

    ``matrix`` is the output of ``RepFeaturizer.transform`` (computed once, because the
    featurizer learns nothing). Returns ``(proba (n, 7), classes)``.
    """
    labels = np.asarray(labels)
    classes = np.array(sorted(set(labels)))
    proba = np.zeros((len(labels), len(classes)))
    for train, test in LeaveOneGroupOut().split(matrix, labels, groups):
        model = _impute_for_trees(classifier, make_classifier(classifier, random_state, n_linear))
        model.fit(matrix[train], labels[train])
        fold_classes = list(model.classes_)
        p = model.predict_proba(matrix[test])
        for j, c in enumerate(fold_classes):
            proba[np.ix_(test, [int(np.flatnonzero(classes == c)[0])])] = p[:, [j]]
    return proba, classes


def cv_report(labels, proba: np.ndarray, classes, groups=None) -> dict:
    """Scores of out-of-fold predictions: 7-class balanced accuracy of the likeliest class
    and of the label consistent with P(good) (what ``form predict`` prints), good-vs-fault
    balanced accuracy, and for the consistent label: per-class F1, confusion matrix (rows
    true, columns predicted, in ``LABELS`` order) and, given ``groups``, the accuracy of
    each held-out date."""
    labels = np.asarray(labels)
    predicted = np.asarray(classes)[np.argmax(proba, axis=1)]
    consistent = decide_labels(proba, classes, 0.5)
    true_good = np.isin(labels, GOOD_LABELS)
    pred_good = good_probability(proba, classes) >= 0.5
    order = [c for c in LABELS if c in set(labels)]
    report = {
        "balanced_accuracy_7": float(balanced_accuracy_score(labels, predicted)),
        "balanced_accuracy_good_fault": float(balanced_accuracy_score(true_good, pred_good)),
        # The label ``form predict`` prints: agrees with P(good), so it can differ from the argmax.
        "balanced_accuracy_7_consistent": float(balanced_accuracy_score(labels, consistent)),
        "f1": dict(zip(order, f1_score(labels, consistent, labels=order, average=None).tolist())),
        "confusion": confusion_matrix(labels, consistent, labels=order).tolist(),
        "labels": order,
    }
    if groups is not None:
        groups = np.asarray(groups)
        report["per_date"] = {
            g: float(np.mean(consistent[groups == g] == labels[groups == g])) for g in sorted(set(groups))
        }
    return report
