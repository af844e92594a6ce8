"""Fourth round of ideas for the squat-form model, with their grouped-CV scores.

Run: ``python bench/form_tries_round4.py [--cache DIR]``. Every row leaves one recording
date out (12 folds), scored as in ``bench/form_metrics.py``: *7-class* is the likeliest
class, *printed* the label consistent with P(good) >= 0.5 (what ``form predict`` prints),
*good-vs-fault* P(good) >= 0.5; all balanced accuracies over the out-of-fold predictions.
Every hyper-parameter or direction a row chooses is chosen on the training dates of the
fold only (inner ``GroupKFold(4)`` over those dates, nested). Noise: the *d printed* and
*d g-v-f* columns are the difference to the shipped row with a 90 % interval from a paired
bootstrap over the 12 held-out dates (2,000 resamples of 12 dates with replacement, both
balanced accuracies recomputed on the pooled reps of the drawn dates); a row beats the
shipped one only when both intervals lie above 0. Rows:

- *shipped*: ``bottom_extra`` features, ``lr_hgb_vote`` (``grouped_cv``, as ``train-form``).
- *hierarchical, fixed*: three models, each the shipped vote (logistic on the *bottom*
  columns + gradient boosting on all, equal weights, class-balanced): A good vs fault on
  every rep, B which fault on the faulty reps only, C which good style on the good reps
  only. P(style) = P_A(good) P_C(style | good), P(fault) = (1 - P_A(good)) P_B(fault | fault),
  with the good odds scaled by 2/5 so that ``good_probability`` gives back P_A(good) (its
  class-balanced convention).
- *hierarchical, tuned*: the same three stages, each with its logistic C in {0.03, 0.1, 0.3}
  and the logistic's weight in the vote in {0, 0.25, 0.5, 0.75, 1} chosen by the stage's own
  balanced accuracy in the inner CV (ties: nearest to the shipped C = 0.1, weight 0.5).
- *hierarchical, B = monotone per-fault*: stage B replaced by one boosted model per fault
  (that fault against the other faults, on the faulty training reps) on the few features
  that define it (``FAULT_FEATURES``), each with monotonic constraints (``monotonic_cst``)
  whose directions are the sign of (median in that fault - median in the other faults) on
  the training dates; P(fault | fault) = the five scores normalised.
- *hierarchical, B = vote + monotone per-fault*: mean of the two stage-B estimates.
- *isotonic fault curves + vote*: per fault and defining feature, an isotonic regression of
  "is this fault" on the feature (direction chosen by the training data), cross-fitted on the
  training dates (inner folds) so the training rows do not see their own labels; the
  logistic half of the vote reads the *bottom* features plus these curves.
- *P(good) of shipped vote, B and C of ...*: the shipped vote's P(good) (so the same
  good-vs-fault verdicts), the hierarchy's stages B and C only to name the fault or style.
- *P(good) = mean logit*: the shipped vote, its P(good) replaced by the mean logit of its
  own P(good) and stage A's of the fixed hierarchy (declared before it was scored, the only
  combination tried).
- *good:fault = 1:1 weights*: the shipped vote with sample weights giving each good style
  1/4 and each fault 1/10 of the weight (instead of 1/7 each), probabilities re-expressed in
  the class-balanced convention (good classes x 2/5, renormalised) so that
  ``good_probability`` reads the same P(good).

Output of the last run (2026-11-23, 2 cores shared, load 3-6, OMP_NUM_THREADS=1; about 20
minutes from scratch, most of it the tuned hierarchy; the table was printed again from the
cached out-of-fold probabilities)::

    | try | 7-class | printed | good-vs-fault | printed per date min-max | g-v-f per date min-max | d printed [90% CI] | d g-v-f [90% CI] |
    |---|---|---|---|---|---|---|---|
    | shipped: bottom_extra + lr_hgb_vote | 0.619 | 0.599 | 0.786 | 0.28-0.97 | 0.41-0.98 | - | - |
    | hierarchical, fixed (A, B, C = shipped vote) | 0.606 | 0.589 | 0.745 | 0.33-0.89 | 0.50-0.99 | -0.011 [-0.048, +0.029] | -0.042 [-0.085, -0.006] |
    | hierarchical, tuned (C, LR weight per stage, nested) | 0.602 | 0.560 | 0.747 | 0.30-0.76 | 0.50-0.99 | -0.039 [-0.097, +0.027] | -0.039 [-0.098, +0.031] |
    | hierarchical, B = monotone per-fault one-vs-rest | 0.568 | 0.566 | 0.745 | 0.32-0.90 | 0.50-0.99 | -0.033 [-0.062, +0.013] | -0.042 [-0.085, -0.006] |
    | hierarchical, B = vote + monotone per-fault | 0.607 | 0.593 | 0.745 | 0.33-0.89 | 0.50-0.99 | -0.007 [-0.043, +0.041] | -0.042 [-0.085, -0.006] |
    | P(good) of shipped vote, B and C of the fixed hierarchy | 0.621 | 0.598 | 0.786 | 0.35-0.97 | 0.41-0.98 | -0.001 [-0.011, +0.013] | +0.000 [+0.000, +0.000] |
    | P(good) of shipped vote, B and C of the tuned hierarchy | 0.620 | 0.596 | 0.786 | 0.31-0.97 | 0.41-0.98 | -0.003 [-0.013, +0.010] | +0.000 [+0.000, +0.000] |
    | P(good) of shipped vote, B = vote + monotone, C fixed | 0.622 | 0.599 | 0.786 | 0.35-0.97 | 0.41-0.98 | +0.000 [-0.012, +0.018] | +0.000 [+0.000, +0.000] |
    | shipped vote, P(good) = mean logit of its own and stage A's (fixed hierarchy) | 0.623 | 0.621 | 0.796 | 0.28-0.99 | 0.49-1.00 | +0.022 [+0.005, +0.043] | +0.009 [-0.013, +0.032] |
    | isotonic fault curves + vote | 0.611 | 0.588 | 0.783 | 0.31-0.94 | 0.39-0.93 | -0.012 [-0.018, -0.000] | -0.003 [-0.019, +0.024] |
    | vote, good:fault = 1:1 sample weights | 0.619 | 0.619 | 0.786 | 0.31-0.97 | 0.46-0.98 | +0.019 [+0.005, +0.038] | +0.000 [-0.020, +0.013] |

Stage choices of the tuned hierarchy per outer fold (C, logistic weight): A mostly (0.1,
0.75); B between (0.03-0.3, 0-0.5); C flips between (0.1, 0.0) and (0.3, 0.5-1.0): the inner
CV cannot tell the settings apart, and following it costs 0.04 printed.

Nothing here is shipped. A separate good-vs-fault model (stage A) is worse than the 7-class
vote's P(good) (0.745 against 0.786, interval below 0), as the dedicated binary models of
``bench/form_tries.py`` were; stages B and C name faults and styles no better than the
7-class vote does (shipped P(good) + B, C: within +-0.003). The monotone per-fault models
and the isotonic fault curves lose to the unconstrained vote. The two rows above 0 on the
printed score (mean-logit P(good), 1:1 weights) do not separate good from fault better:
they move the operating point (good recall 0.77 -> 0.72 and 0.70, fault recall 0.81 ->
0.88 and 0.87). The shipped vote with its P(good) line moved to 0.6 sits at the same point
(good recall 0.73, fault 0.88) with 0.622 printed / 0.800 good-vs-fault: a threshold trade,
already looked at in ``bench/form_tries.py``, not a better model.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.isotonic import IsotonicRegression  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from analysis.form.dataset import FAULT_LABELS, GOOD_LABELS  # noqa: E402
from analysis.form.model import RepFeaturizer, good_probability, grouped_cv, linear_columns  # noqa: E402
from bench.form_metrics import form_scores, load_form_cv  # noqa: E402

# The features that define each fault (the same measures the app's fault rules read, plus
# their close relatives).
FAULT_FEATURES: dict[str, list[str]] = {
    "no depth": [
        "bottom_hip_above_knee", "bottom_knee_angle", "bottom_hip_angle", "bottom_hip_height",
        "change_knee_angle", "change_hip_height", "change_hip_angle",
    ],
    "bending forward": [
        "max_trunk_lean", "bottom_trunk_lean", "bottom_trunk_minus_shin", "bottom_shoulder_forward",
        "change_trunk_lean", "bottom_hip_back", "bottom_hip_angle",
    ],
    "knees caving": [
        "bottom_knee_width_ratio", "min_knee_width_ratio", "bottom_knee_toe_width_ratio",
        "change_knee_width_ratio", "change_knee_toe_width_ratio",
    ],
    "heels lifting": [
        "max_heel_rise", "p90_heel_rise", "bottom_heel_rise", "change_heel_rise",
        "bottom_heel_minus_toe_rise", "max_foot_pitch_rise", "bottom_ankle_angle",
    ],
    "toes lifting": [
        "max_toe_rise", "p90_toe_rise", "bottom_toe_rise", "change_toe_rise",
        "bottom_heel_minus_toe_rise", "max_foot_pitch_drop", "max_foot_pitch_rise",
    ],
}  # fmt: skip
C_GRID = (0.03, 0.1, 0.3)
WEIGHT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
INNER_FOLDS = 4


def logistic(c: float = 0.1):
    return make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(C=c, max_iter=2000, class_weight="balanced"),
    )


def boosting(**kw):
    params = dict(
        max_iter=150, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0,
        class_weight="balanced", random_state=0,
    )  # fmt: skip
    params.update(kw)
    return HistGradientBoostingClassifier(**params)


def aligned(model, x, classes) -> np.ndarray:
    """``model.predict_proba(x)`` with columns in ``classes`` order (0 for unseen classes)."""
    out = np.zeros((len(x), len(classes)))
    out[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(x)
    return out


def vote_parts(x_tr, y_tr, x_te, classes, n_linear, cs=(0.1,), lr_x=None):
    """Probabilities on ``x_te`` of the logistic half (per C) and of the boosting half."""
    lr_tr, lr_te = (x_tr[:, :n_linear], x_te[:, :n_linear]) if lr_x is None else lr_x
    linear = {c: aligned(logistic(c).fit(lr_tr, y_tr), lr_te, classes) for c in cs}
    return linear, aligned(boosting().fit(x_tr, y_tr), x_te, classes)


def stage_score(y, proba, classes) -> float:
    return balanced_accuracy_score(y, classes[np.argmax(proba, axis=1)])


def tuned_stage(x_tr, y_tr, g_tr, x_te, classes, n_linear):
    """A vote whose logistic C and weight are chosen by inner grouped CV; -> (proba, (C, w))."""
    inner_lin = {c: np.zeros((len(y_tr), len(classes))) for c in C_GRID}
    inner_hgb = np.zeros((len(y_tr), len(classes)))
    for tr, te in GroupKFold(INNER_FOLDS).split(x_tr, y_tr, g_tr):
        lin, hgb = vote_parts(x_tr[tr], y_tr[tr], x_tr[te], classes, n_linear, C_GRID)
        for c in C_GRID:
            inner_lin[c][te] = lin[c]
        inner_hgb[te] = hgb
    best, best_key = None, None
    for c in C_GRID:
        for w in WEIGHT_GRID:
            score = stage_score(y_tr, w * inner_lin[c] + (1 - w) * inner_hgb, classes)
            key = (round(score, 6), -abs(np.log(c / 0.1)), -abs(w - 0.5))
            if best_key is None or key > best_key:
                best, best_key = (c, w), key
    c, w = best
    lin, hgb = vote_parts(x_tr, y_tr, x_te, classes, n_linear, (c,))
    return w * lin[c] + (1 - w) * hgb, best


def compose(p_good: np.ndarray, p_fault: np.ndarray, p_style: np.ndarray, classes) -> np.ndarray:
    """7-class probabilities (``classes`` order) from P_A(good) (even prior), P(fault | fault)
    (``FAULT_LABELS`` order) and P(style | good) (``GOOD_LABELS`` order), in the class-balanced
    convention ``good_probability`` undoes (good odds x 2/5)."""
    p = np.clip(p_good, 1e-9, 1 - 1e-9)
    odds = p / (1 - p) * len(GOOD_LABELS) / len(FAULT_LABELS)
    q = odds / (1 + odds)
    out = np.zeros((len(p), len(classes)))
    for j, label in enumerate(GOOD_LABELS):
        out[:, np.searchsorted(classes, label)] = q * p_style[:, j]
    for j, label in enumerate(FAULT_LABELS):
        out[:, np.searchsorted(classes, label)] = (1 - q) * p_fault[:, j]
    return out


def with_p_good(proba: np.ndarray, p_good: np.ndarray, classes) -> np.ndarray:
    """``proba`` with its good and fault mass rescaled so that ``good_probability`` gives ``p_good``
    (the likeliest style and fault stay the same)."""
    good = np.isin(classes, GOOD_LABELS)
    inner = proba / np.where(
        good, proba[:, good].sum(axis=1, keepdims=True), proba[:, ~good].sum(axis=1, keepdims=True)
    )
    p = np.clip(p_good, 1e-9, 1 - 1e-9)
    odds = p / (1 - p) * len(GOOD_LABELS) / len(FAULT_LABELS)
    q = (odds / (1 + odds))[:, None]
    return np.where(good, q * inner, (1 - q) * inner)


def monotone_faults(x_tr, y_tr, x_te, names) -> np.ndarray:
    """(n_test, 5) P(fault | fault) from one monotone boosted one-vs-rest model per fault."""
    scores = np.zeros((len(x_te), len(FAULT_LABELS)))
    for j, fault in enumerate(FAULT_LABELS):
        cols = [names.index(n) for n in FAULT_FEATURES[fault]]
        target = y_tr == fault
        signs = []
        for k in cols:
            a, b = np.nanmedian(x_tr[target, k]), np.nanmedian(x_tr[~target, k])
            signs.append(int(np.sign(a - b)))
        model = boosting(max_iter=100, max_leaf_nodes=7, monotonic_cst=signs)
        model.fit(x_tr[:, cols], target)
        scores[:, j] = model.predict_proba(x_te[:, cols])[:, 1]
    return scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)


def isotonic_curves(x_fit, y_fit, x_apply, names) -> np.ndarray:
    """P(fault | one defining feature) by isotonic regression, per fault and feature."""
    out = []
    for fault in FAULT_LABELS:
        for name in FAULT_FEATURES[fault]:
            k = names.index(name)
            ok = np.isfinite(x_fit[:, k])
            iso = IsotonicRegression(increasing="auto", out_of_bounds="clip")
            iso.fit(x_fit[ok, k], (y_fit[ok] == fault).astype(float))
            col = x_apply[:, k]
            out.append(np.where(np.isfinite(col), iso.predict(np.nan_to_num(col)), np.nan))
    return np.column_stack(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="folder to keep each row's out-of-fold probabilities in")
    parser.add_argument("--rows", nargs="*", help="only these row keys (default: all)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.time()
    cv = load_form_cv()
    reps, y, groups = cv.reps, cv.y, cv.groups
    truth_good, classes, folds = cv.truth_good, cv.classes, cv.folds
    featurizer = RepFeaturizer("bottom_extra").fit(reps)
    names = list(featurizer.feature_names_)
    x = featurizer.transform(reps)
    n_linear = linear_columns("bottom_extra")
    is_good = np.isin(y, GOOD_LABELS)
    good_classes, fault_classes = np.array(sorted(GOOD_LABELS)), np.array(sorted(FAULT_LABELS))
    assert list(good_classes) == list(GOOD_LABELS) and list(fault_classes) == list(FAULT_LABELS)
    binary = np.array([False, True])
    chosen: dict[str, list] = {}

    def out_of_fold(fit_predict) -> np.ndarray:
        proba = np.zeros((len(y), len(classes)))
        for train, test in folds:
            proba[test] = fit_predict(train, test)
        return proba

    def shipped():
        return grouped_cv(x, y, groups, "lr_hgb_vote", n_linear=n_linear)[0]

    shipped_memo: list = []

    def base_proba():
        if not shipped_memo:
            path = cache / "shipped.npy" if cache else None
            shipped_memo.append(np.load(path) if path is not None and path.exists() else shipped())
        return shipped_memo[0]

    stage_cache: dict[str, dict] = {}

    def hierarchical(stage_b="vote", tuned=False, key_row=None, a_shipped=False):
        """Out-of-fold 7-class probabilities of the three-stage model; its stages' outputs are
        kept in ``stage_cache[key_row]`` (and on disk with ``--cache``) for the rows that reuse
        them. ``a_shipped``: P(good) from the shipped vote instead of stage A."""
        stage_path = cache / f"{key_row}_stages.npz" if cache else None
        if stage_path is not None and stage_path.exists():
            with np.load(stage_path) as saved:
                stage_cache[key_row] = dict(saved)
        if key_row in stage_cache:
            s = stage_cache[key_row]
            p_good = good_probability(base_proba(), classes) if a_shipped else s["A"]
            return compose(p_good, s["B"], s["C"], classes)
        arrays = {"A": np.zeros(len(y)), "B": np.zeros((len(y), 5)), "C": np.zeros((len(y), 2))}

        def fit_predict(train, test):
            tr_good, tr_fault = train[is_good[train]], train[~is_good[train]]
            stages = [
                (train, is_good, binary, "A"),
                (tr_fault, y, fault_classes, "B"),
                (tr_good, y, good_classes, "C"),
            ]
            out = []
            for idx, target, stage_classes, key in stages:
                if key == "B" and stage_b == "monotone":
                    out.append(monotone_faults(x[idx], y[idx], x[test], names))
                    continue
                if tuned:
                    p, params = tuned_stage(
                        x[idx], target[idx], groups[idx], x[test], stage_classes, n_linear
                    )
                    chosen.setdefault(key, []).append(params)
                else:
                    lin, hgb = vote_parts(x[idx], target[idx], x[test], stage_classes, n_linear)
                    p = (lin[0.1] + hgb) / 2
                if key == "B" and stage_b == "vote+monotone":
                    p = (p + monotone_faults(x[idx], y[idx], x[test], names)) / 2
                out.append(p)
            arrays["A"][test], arrays["B"][test], arrays["C"][test] = out[0][:, 1], out[1], out[2]
            return compose(out[0][:, 1], out[1], out[2], classes)

        proba = out_of_fold(fit_predict)
        stage_cache[key_row] = arrays
        if stage_path is not None:
            np.savez(stage_path, **arrays)
        if a_shipped:
            return compose(good_probability(base_proba(), classes), arrays["B"], arrays["C"], classes)
        return proba

    def avg_p_good(key_row):
        hierarchical(key_row=key_row)
        a, b = good_probability(base_proba(), classes), stage_cache[key_row]["A"]
        a, b = np.clip(a, 1e-9, 1 - 1e-9), np.clip(b, 1e-9, 1 - 1e-9)
        z = (np.log(a / (1 - a)) + np.log(b / (1 - b))) / 2
        return with_p_good(base_proba(), 1 / (1 + np.exp(-z)), classes)

    def isotonic_vote():
        def fit_predict(train, test):
            cross = np.full((len(train), sum(len(v) for v in FAULT_FEATURES.values())), np.nan)
            for tr, te in GroupKFold(INNER_FOLDS).split(train, groups=groups[train]):
                cross[te] = isotonic_curves(x[train[tr]], y[train[tr]], x[train[te]], names)
            test_curves = isotonic_curves(x[train], y[train], x[test], names)
            lr_x = (np.hstack([x[train, :n_linear], cross]), np.hstack([x[test, :n_linear], test_curves]))
            lin, hgb = vote_parts(x[train], y[train], x[test], classes, n_linear, lr_x=lr_x)
            return (lin[0.1] + hgb) / 2

        return out_of_fold(fit_predict)

    def even_good_fault_weights():
        def fit_predict(train, test):
            yt = y[train]
            share = {
                c: (0.5 / len(GOOD_LABELS) if c in GOOD_LABELS else 0.5 / len(FAULT_LABELS)) for c in classes
            }
            w = np.array([share[c] / np.count_nonzero(yt == c) for c in yt]) * len(yt)
            linear = make_pipeline(
                SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)
            )
            linear.fit(x[train, :n_linear], yt, logisticregression__sample_weight=w)
            hgb = boosting(class_weight=None).fit(x[train], yt, sample_weight=w)
            p = (aligned(linear, x[test, :n_linear], classes) + aligned(hgb, x[test], classes)) / 2
            p[:, np.isin(classes, GOOD_LABELS)] *= len(GOOD_LABELS) / len(FAULT_LABELS)
            return p / p.sum(axis=1, keepdims=True)

        return out_of_fold(fit_predict)

    rows = [
        ("shipped", "shipped: bottom_extra + lr_hgb_vote", shipped),
        (
            "hier_fixed",
            "hierarchical, fixed (A, B, C = shipped vote)",
            lambda: hierarchical(key_row="hier_fixed"),
        ),
        (
            "hier_tuned",
            "hierarchical, tuned (C, LR weight per stage, nested)",
            lambda: hierarchical(tuned=True, key_row="hier_tuned"),
        ),
        (
            "hier_mono",
            "hierarchical, B = monotone per-fault one-vs-rest",
            lambda: hierarchical("monotone", key_row="hier_mono"),
        ),
        (
            "hier_vote_mono",
            "hierarchical, B = vote + monotone per-fault",
            lambda: hierarchical("vote+monotone", key_row="hier_vote_mono"),
        ),
        (
            "shipA_fixedBC",
            "P(good) of shipped vote, B and C of the fixed hierarchy",
            lambda: hierarchical(key_row="hier_fixed", a_shipped=True),
        ),
        (
            "shipA_tunedBC",
            "P(good) of shipped vote, B and C of the tuned hierarchy",
            lambda: hierarchical(tuned=True, key_row="hier_tuned", a_shipped=True),
        ),
        (
            "shipA_monoB",
            "P(good) of shipped vote, B = vote + monotone, C fixed",
            lambda: hierarchical("vote+monotone", key_row="hier_vote_mono", a_shipped=True),
        ),
        (
            "avg_pgood",
            "shipped vote, P(good) = mean logit of its own and stage A's (fixed hierarchy)",
            lambda: avg_p_good("hier_fixed"),
        ),
        ("isotonic", "isotonic fault curves + vote", isotonic_vote),
        ("even_weights", "vote, good:fault = 1:1 sample weights", even_good_fault_weights),
    ]
    if args.rows:
        rows = [r for r in rows if r[0] in args.rows or r[0] == "shipped"]
    cache = Path(args.cache) if args.cache else None
    rng = np.random.RandomState(0)
    date_names = np.unique(groups)
    draws = rng.randint(len(date_names), size=(2000, len(date_names)))
    by_date = [np.flatnonzero(groups == g) for g in date_names]

    def scores(proba, idx=slice(None)):
        return form_scores(proba[idx], y[idx], classes, truth_good[idx])

    def boot(proba):
        out = []
        for d in draws:
            idx = np.concatenate([by_date[i] for i in d])
            out.append(scores(proba, idx)[1:])
        return np.array(out)

    print(
        "| try | 7-class | printed | good-vs-fault | printed per date min-max | g-v-f per date min-max "
        "| d printed [90% CI] | d g-v-f [90% CI] |"
    )
    print("|---|---|---|---|---|---|---|---|")
    base_boot = None
    for key, label, run in rows:
        path = cache / f"{key}.npy" if cache else None
        if path is not None and path.exists():
            proba = np.load(path)
        else:
            proba = run()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, proba)
        seven, printed, good_fault = scores(proba)
        per_date = np.array([scores(proba, test) for _, test in folds])
        b = boot(proba)
        if base_boot is None:
            base_boot, base = b, (printed, good_fault)
            delta = "| - | - |"
        else:
            d = b - base_boot
            lo, hi = np.percentile(d, [5, 95], axis=0)
            delta = (
                f"| {printed - base[0]:+.3f} [{lo[0]:+.3f}, {hi[0]:+.3f}] "
                f"| {good_fault - base[1]:+.3f} [{lo[1]:+.3f}, {hi[1]:+.3f}] |"
            )
        print(
            f"| {label} | {seven:.3f} | {printed:.3f} | {good_fault:.3f} | "
            f"{per_date[:, 1].min():.2f}-{per_date[:, 1].max():.2f} | "
            f"{per_date[:, 2].min():.2f}-{per_date[:, 2].max():.2f} {delta}",
            flush=True,
        )
    for key, params in chosen.items():
        print(f"stage {key} chosen (C, LR weight) per outer fold: {params}")
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
