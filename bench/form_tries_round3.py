"""Third round of ideas for the squat-form model, with their grouped-CV scores.

Run: ``python bench/form_tries_round3.py [--quick]``. Every row leaves one recording date
out (12 folds), scored as in ``bench/form_tries.py``: *7-class* is the likeliest class,
*printed* the label consistent with P(good) >= 0.5 (what ``form predict`` prints),
*good-vs-fault* P(good) >= 0.5; all balanced accuracies over the out-of-fold predictions.
The min-max columns are the spread of the printed and good-vs-fault balanced accuracies
over the 12 held-out dates, the noise every difference has to beat. ``--quick`` skips the
MiniRocket rows and the time-stretch row (the slowest). Rows:

- *shipped*: ``bottom_extra`` features, ``lr_hgb_vote`` (``grouped_cv``, as ``train-form``).
- *MiniRocket*: the 23 per-frame series resampled to 64 points, standardised per series on
  the training dates, 9,996 MiniRocket features (Dempster et al. 2021: 84 fixed kernels,
  dilations, proportion of positive values), standardised; a ridge classifier with its
  alpha chosen by leave-one-out on the training dates (probabilities for scoring only:
  softmax of 5 x its decision values), or a logistic regression with C = 1 / that alpha.
- *ROCKET*: the same series, 2,000 random kernels (Dempster et al. 2020: random length,
  weights, bias, dilation, padding; proportion of positive values and max), logistic
  regression as above.
- *vote ... (thirds)*: mean of the shipped vote's logistic and boosting probabilities and the
  MiniRocket / ROCKET logistic's (each a third).
- *mirrored training reps*: every training rep also mirrored left-right (joints swapped, x
  negated) and featurized again; held-out reps as they are.
- *+ time-stretched*: also each training rep resampled in time to 0.8-1.25 times its length
  (log-uniform, seed 0) and a mirrored copy stretched by the inverse factor (4x the reps).
- *date x label weights*: sample weights 1/sqrt(reps in the same date and label), rescaled so
  every label has the same total weight (instead of ``class_weight="balanced"``), so that
  big sessions do not dominate a label.
- *tilts/foot pitch as change from standing*: pelvis tilt, shoulder tilt and foot pitch
  (whose absolute values carry each session's calibration) enter only as changes from the
  standing start: the absolute bottom values and ``max_abs_pelvis_tilt`` are dropped, the
  logistic half gets ``change_pelvis_tilt``, ``change_shoulder_tilt``,
  ``change_foot_pitch_asym`` and the largest pelvis-tilt change over the rep.

Output of the last full run (2026-11-22, 2 cores, OMP_NUM_THREADS=1, 330 s). The shipped row
is the number ``train-form`` measures; the time-stretch factors come from their own seed, so
that row differs a little from the throw-away script that first tried it (0.606 / 0.584 /
0.781)::

    | try | 7-class | printed | good-vs-fault | printed per date min-max | g-v-f per date min-max |
    |---|---|---|---|---|---|
    | shipped: bottom_extra + lr_hgb_vote | 0.619 | 0.599 | 0.786 | 0.28-0.97 | 0.41-0.98 |
    | MiniRocket + ridge | 0.544 | 0.532 | 0.704 | 0.30-0.90 | 0.37-0.94 |
    | MiniRocket + logistic | 0.550 | 0.522 | 0.758 | 0.32-0.91 | 0.43-0.97 |
    | vote: LR + HGB + MiniRocket (thirds) | 0.634 | 0.587 | 0.790 | 0.29-0.97 | 0.46-0.98 |
    | ROCKET + logistic | 0.540 | 0.513 | 0.755 | 0.28-0.84 | 0.53-0.90 |
    | vote: LR + HGB + ROCKET (thirds) | 0.613 | 0.577 | 0.785 | 0.29-0.97 | 0.45-0.98 |
    | lr_hgb_vote + mirrored training reps | 0.620 | 0.593 | 0.781 | 0.31-0.96 | 0.37-0.97 |
    | lr_hgb_vote + mirrored + time-stretched | 0.613 | 0.589 | 0.785 | 0.29-0.94 | 0.42-0.93 |
    | lr_hgb_vote, date x label weights | 0.618 | 0.593 | 0.787 | 0.28-0.97 | 0.41-0.98 |
    | lr_hgb_vote, tilts/foot pitch as change from standing | 0.613 | 0.593 | 0.790 | 0.28-0.96 | 0.42-0.97 |
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from analysis.form.dataset import rep_features  # noqa: E402
from analysis.form.features import SCALAR_NAMES  # noqa: E402
from analysis.form.model import (  # noqa: E402
    RepFeaturizer,
    grouped_cv,
    linear_columns,
    make_classifier,
)
from analysis.form.skeleton import JOINT_NAMES  # noqa: E402
from bench.form_metrics import form_scores, load_form_cv  # noqa: E402

SERIES_POINTS = 64

# ---------------------------------------------------------------- MiniRocket and ROCKET

# The 84 MiniRocket kernels of 9 taps: weight 2 at these three taps, -1 at the other six.
MINIROCKET_KERNELS = np.array(list(itertools.combinations(range(9), 3)))


def _taps(x: np.ndarray, dilation: int) -> np.ndarray:
    """(9, n, channels, length): ``x`` shifted by (tap - 4) * dilation samples, zero-padded."""
    length = x.shape[2]
    out = np.zeros((9, *x.shape))
    for tap in range(9):
        s = (tap - 4) * dilation
        if 0 <= s < length:
            out[tap, :, :, : length - s] = x[:, :, s:]
        elif -length < s < 0:
            out[tap, :, :, -s:] = x[:, :, : length + s]
    return out


class MiniRocket:
    """Multivariate MiniRocket (Dempster et al. 2021), numpy only, deterministic.

    84 kernels of 9 taps (three weights 2, six -1) at dilations spread on a log scale,
    each on a random subset of channels (summed); biases are quantiles of the kernel's
    output on one random training series; the feature is the proportion of outputs above
    each bias (half of the kernel/dilation pairs ignore the zero-padded ends).
    """

    def __init__(self, num_features: int = 9996, max_dilations_per_kernel: int = 32, random_state: int = 0):
        self.num_features = num_features
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.random_state = random_state

    def _output(self, taps: np.ndarray, index: int, kernel: int) -> np.ndarray:
        """(n, length) output of one kernel on its channels."""
        s = taps[:, :, self.channels_[index], :].sum(axis=2)
        a, b, c = MINIROCKET_KERNELS[kernel]
        return 3.0 * (s[a] + s[b] + s[c]) - s.sum(axis=0)

    def fit(self, x: np.ndarray) -> MiniRocket:
        n, n_channels, length = x.shape
        rng = np.random.RandomState(self.random_state)
        per_kernel = self.num_features // 84
        n_dilations = min(per_kernel, self.max_dilations_per_kernel)
        exponents = np.logspace(0, np.log2((length - 1) / 8), n_dilations, base=2)
        self.dilations_, counts = np.unique(np.floor(exponents).astype(int), return_counts=True)
        self.features_per_dilation_ = (counts * per_kernel / n_dilations).astype(int)
        for i in range(per_kernel - self.features_per_dilation_.sum()):  # hand out the remainder
            self.features_per_dilation_[i % len(counts)] += 1
        n_pairs = 84 * len(self.dilations_)
        sizes = (2 ** rng.uniform(0, np.log2(min(n_channels, 9) + 1), n_pairs)).astype(int)
        self.channels_ = [np.sort(rng.choice(n_channels, k, replace=False)) for k in sizes]
        quantiles = (np.arange(1, 84 * self.features_per_dilation_.sum() + 1) * (np.sqrt(5) + 1) / 2) % 1
        self.biases_, start, index = [], 0, 0
        for dilation, m in zip(self.dilations_, self.features_per_dilation_):
            for kernel in range(84):
                example = rng.randint(n)
                out = self._output(_taps(x[example : example + 1], dilation), index, kernel)[0]
                self.biases_.append(np.quantile(out, quantiles[start : start + m]))
                start, index = start + m, index + 1
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        length = x.shape[2]
        features, index = [], 0
        for i, dilation in enumerate(self.dilations_):
            taps, pad = _taps(x, dilation), 4 * dilation
            for kernel in range(84):
                out = self._output(taps, index, kernel)
                if (i + kernel) % 2 == 1 and length > 2 * pad:
                    out = out[:, pad : length - pad]
                features.append((out[:, :, None] > self.biases_[index][None, None, :]).mean(axis=1))
                index += 1
        return np.concatenate(features, axis=1)


class Rocket:
    """Multivariate ROCKET (Dempster et al. 2020), numpy only, deterministic: random kernels
    (length 7, 9 or 11, normal weights centred per channel, uniform bias, log-uniform
    dilation, padding or not, random channels); features: proportion of positive values
    and max of each kernel's output."""

    def __init__(self, num_kernels: int = 2000, random_state: int = 0):
        self.num_kernels = num_kernels
        self.random_state = random_state

    def fit(self, x: np.ndarray) -> Rocket:
        n_channels, length = x.shape[1:]
        rng = np.random.RandomState(self.random_state)
        self.kernels_ = []
        for _ in range(self.num_kernels):
            size = rng.choice([7, 9, 11])
            k = int(2 ** rng.uniform(0, np.log2(min(n_channels, size) + 1)))
            channels = rng.choice(n_channels, k, replace=False)
            weights = rng.normal(size=(k, size))
            weights -= weights.mean(axis=1, keepdims=True)
            bias = rng.uniform(-1, 1)
            dilation = int(2 ** rng.uniform(0, np.log2((length - 1) / (size - 1))))
            pad = ((size - 1) * dilation) // 2 if rng.randint(2) else 0
            self.kernels_.append((channels, weights, bias, dilation, pad))
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((len(x), 2 * len(self.kernels_)))
        for i, (channels, weights, bias, dilation, pad) in enumerate(self.kernels_):
            xp = np.pad(x[:, channels], ((0, 0), (0, 0), (pad, pad)))
            m = xp.shape[2] - (weights.shape[1] - 1) * dilation
            conv = np.full((len(x), m), bias)
            for j in range(weights.shape[1]):
                conv += np.einsum("ncl,c->nl", xp[:, :, j * dilation : j * dilation + m], weights[:, j])
            out[:, 2 * i] = (conv > 0).mean(axis=1)
            out[:, 2 * i + 1] = conv.max(axis=1)
        return out


# ---------------------------------------------------------------- augmentation

MIRROR = [
    JOINT_NAMES.index(n.replace("left", "@").replace("right", "left").replace("@", "right"))
    for n in JOINT_NAMES
]


def mirror(joints: np.ndarray) -> np.ndarray:
    """The rep seen in a mirror: left and right joints swapped, x negated."""
    out = joints[:, MIRROR].copy()
    out[..., 0] *= -1
    return out


def stretch(joints: np.ndarray, factor: float) -> np.ndarray:
    """The rep resampled in time (linear interpolation) to last ``factor`` times as long."""
    n = len(joints)
    grid = np.linspace(0, n - 1, max(3, round(n * factor)))
    flat = joints.reshape(n, -1)
    out = np.full((len(grid), flat.shape[1]), np.nan)
    for k in range(flat.shape[1]):
        ok = np.isfinite(flat[:, k])
        if ok.sum() >= 2:
            out[:, k] = np.interp(grid, np.flatnonzero(ok), flat[ok, k])
    return out.reshape(len(grid), *joints.shape[1:])


# ---------------------------------------------------------------- the tries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the MiniRocket rows and the time-stretch row (the slowest)"
    )
    quick = parser.parse_args().quick
    warnings.simplefilter("ignore")
    started = time.time()
    cv = load_form_cv()
    data, reps, y, groups = cv.data, cv.reps, cv.y, cv.groups
    truth_good, classes, folds = cv.truth_good, cv.classes, cv.folds
    featurizer = RepFeaturizer("bottom_extra").fit(reps)
    names = list(featurizer.feature_names_)
    extra = featurizer.transform(reps)
    n_linear = linear_columns("bottom_extra")

    def out_of_fold(fit_predict) -> np.ndarray:
        """Out-of-fold (n, 7) probabilities; ``fit_predict(train, test)`` -> (proba, classes)."""
        proba = np.zeros((len(y), len(classes)))
        for train, test in folds:
            p, fold_classes = fit_predict(train, test)
            proba[np.ix_(test, np.searchsorted(classes, fold_classes))] = p
        return proba

    def scores(proba, idx=slice(None)):
        return form_scores(proba[idx], y[idx], classes, truth_good[idx])

    def show(name, proba):
        seven, printed, binary = scores(proba)
        per_date = np.array([scores(proba, test) for _, test in folds])
        print(
            f"| {name} | {seven:.3f} | {printed:.3f} | {binary:.3f} | "
            f"{per_date[:, 1].min():.2f}-{per_date[:, 1].max():.2f} | "
            f"{per_date[:, 2].min():.2f}-{per_date[:, 2].max():.2f} |",
            flush=True,
        )

    print("| try | 7-class | printed | good-vs-fault | printed per date min-max | g-v-f per date min-max |")
    print("|---|---|---|---|---|---|")
    shipped, _ = grouped_cv(extra, y, groups, "lr_hgb_vote", n_linear=n_linear)
    show("shipped: bottom_extra + lr_hgb_vote", shipped)

    # MiniRocket / ROCKET on the per-frame series.
    series = np.array([r.resampled(SERIES_POINTS) for r in reps])

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def time_series_models(transform_factory):
        """Out-of-fold probabilities of the ridge classifier and of the logistic regression."""
        ridge_proba = np.zeros((len(y), len(classes)))

        def fit_predict(train, test):
            mean = np.nanmean(series[train], axis=(0, 2), keepdims=True)
            sd = np.nanstd(series[train], axis=(0, 2), keepdims=True)
            z = np.nan_to_num((series - mean) / sd)
            transform = transform_factory().fit(z[train])
            x_train, x_test = transform.transform(z[train]), transform.transform(z[test])
            scaler = StandardScaler().fit(x_train)
            x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
            ridge = RidgeClassifierCV(alphas=np.logspace(-1, 5, 13), class_weight="balanced")
            ridge.fit(x_train, y[train])
            columns = np.searchsorted(classes, ridge.classes_)
            ridge_proba[np.ix_(test, columns)] = softmax(5 * ridge.decision_function(x_test))
            logistic = LogisticRegression(C=1 / ridge.alpha_, max_iter=3000, class_weight="balanced")
            logistic.fit(x_train, y[train])
            return logistic.predict_proba(x_test), logistic.classes_

        logistic_proba = out_of_fold(fit_predict)
        return ridge_proba, logistic_proba

    if not quick:
        mr_ridge, mr_logistic = time_series_models(lambda: MiniRocket(random_state=0))
        show("MiniRocket + ridge", mr_ridge)
        show("MiniRocket + logistic", mr_logistic)
        show("vote: LR + HGB + MiniRocket (thirds)", (2 * shipped + mr_logistic) / 3)
    _, rocket_logistic = time_series_models(lambda: Rocket(2000, random_state=0))
    show("ROCKET + logistic", rocket_logistic)
    show("vote: LR + HGB + ROCKET (thirds)", (2 * shipped + rocket_logistic) / 3)

    # Augmented training reps (held-out reps untouched).
    def featurize(arrays):
        return featurizer.transform([rep_features(a) for a in arrays])

    def augmented(matrices):
        def fit_predict(train, test):
            model = make_classifier("lr_hgb_vote", 0, n_linear)
            model.fit(np.vstack([m[train] for m in matrices]), np.tile(y[train], len(matrices)))
            return model.predict_proba(extra[test]), model.classes_

        return out_of_fold(fit_predict)

    mirrored = featurize([mirror(j) for j in data.reps])
    show("lr_hgb_vote + mirrored training reps", augmented([extra, mirrored]))
    if not quick:
        factors = np.exp(np.random.RandomState(0).uniform(np.log(0.8), np.log(1.25), len(data.reps)))
        stretched = featurize([stretch(j, f) for j, f in zip(data.reps, factors)])
        mirror_stretched = featurize([stretch(mirror(j), 1 / f) for j, f in zip(data.reps, factors)])
        show(
            "lr_hgb_vote + mirrored + time-stretched",
            augmented([extra, mirrored, stretched, mirror_stretched]),
        )

    # Date x label weights instead of class_weight="balanced".
    def date_label_weights(labels, dates):
        cells = {}
        for cell in zip(labels, dates):
            cells[cell] = cells.get(cell, 0) + 1
        w = np.array([cells[cell] ** -0.5 for cell in zip(labels, dates)])
        for c in np.unique(labels):
            w[labels == c] /= w[labels == c].sum()
        return w * len(labels) / w.sum()

    def weighted_vote(train, test):
        w = date_label_weights(y[train], groups[train])
        linear = make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)
        )
        linear.fit(extra[train][:, :n_linear], y[train], logisticregression__sample_weight=w)
        boosting = HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0, random_state=0
        )
        boosting.fit(extra[train], y[train], sample_weight=w)
        p = (linear.predict_proba(extra[test][:, :n_linear]) + boosting.predict_proba(extra[test])) / 2
        return p, linear.classes_

    show("lr_hgb_vote, date x label weights", out_of_fold(weighted_vote))

    # Tilts and foot pitch only as changes from standing.
    drop = ["bottom_pelvis_tilt", "bottom_shoulder_tilt", "bottom_foot_pitch", "bottom_foot_pitch_asym"]
    drop += ["max_abs_pelvis_tilt"]
    to_linear = ["change_pelvis_tilt", "change_shoulder_tilt", "change_foot_pitch_asym"]
    linear_names = [n for n in SCALAR_NAMES if n not in drop] + to_linear
    rest = [n for n in names if n not in linear_names and n not in drop]

    def max_abs_change(rep, name):
        s = rep.series[name]
        return np.nanmax(np.abs(s - np.nanmedian(s[: max(1, len(s) // 10)])))

    pelvis = np.array([[max_abs_change(r, "pelvis_tilt")] for r in reps])
    relative = np.hstack(
        [extra[:, [names.index(n) for n in linear_names]], pelvis, extra[:, [names.index(n) for n in rest]]]
    )

    def relative_vote(train, test):
        model = make_classifier("lr_hgb_vote", 0, len(linear_names) + 1).fit(relative[train], y[train])
        return model.predict_proba(relative[test]), model.classes_

    show("lr_hgb_vote, tilts/foot pitch as change from standing", out_of_fold(relative_vote))
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
