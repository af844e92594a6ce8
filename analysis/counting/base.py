"""What every counter shares: the ``Rep`` and ``CountResult`` types and the estimator base.

Counters follow scikit-learn's estimator style so the dashboard can treat them alike:
every setting is an ``__init__`` keyword with a default (``get_params`` lists them and
``param_ranges`` gives slider bounds), ``fit(signal, times)`` returns ``self``, and what
was learned ends in ``_`` (``reps_``, ``count_`` and the chart diagnostics).
"""

from __future__ import annotations

import inspect
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from analysis.track import as_seconds, check_times


@dataclass(frozen=True)
class Rep:
    """One repetition: when it left rest, its turning point, and when it was back (seconds)."""

    start_s: float
    bottom_s: float
    end_s: float

    def time_at_phase(self, phase: float) -> float:
        """The time at ``phase`` of the rep: start to turning point over 0..0.5, turning
        point to end over 0.5..1, so two reps compared at one phase are at the same point of
        their movement, whatever their tempo."""
        phase = min(max(float(phase), 0.0), 1.0)
        if phase <= 0.5:
            return self.start_s + (self.bottom_s - self.start_s) * phase / 0.5
        return self.bottom_s + (self.end_s - self.bottom_s) * (phase - 0.5) / 0.5

    def to_dict(self) -> dict:
        return {
            "start_s": round(self.start_s, 3),
            "bottom_s": round(self.bottom_s, 3),
            "end_s": round(self.end_s, 3),
        }


def _plain(value):
    """JSON-able copy of a diagnostic value: arrays become lists, NaN becomes None."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class CountResult:
    """The outcome of counting one track with one algorithm.

    ``times``/``signal`` are the 1-D series the counter saw (for charts); ``diagnostics``
    holds plain arrays and floats (thresholds, peaks, states, period...).
    """

    count: int
    reps: list[Rep]
    method: str
    signal_name: str
    times: np.ndarray
    signal: np.ndarray
    diagnostics: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    error: str | None = None  # set when the method could not run on this input
    # slider bounds for ``params`` on THIS signal (``BaseCounter.param_ranges_for``)
    param_ranges: dict = field(default_factory=dict)

    @property
    def swung_too_little(self) -> list[dict]:
        """The reps dropped because they hardly move the named exercise's joint
        (``ExercisePreset.min_swing``): a clip of another exercise, not one without reps."""
        return self.diagnostics.get("swing_gate", {}).get("dropped") or []

    @property
    def min_swing(self) -> float | None:
        """The swing those reps fell short of (degrees, or torso lengths); None without an exercise."""
        return self.diagnostics.get("swing_gate", {}).get("min_swing")

    def to_dict(self, with_series: bool = False) -> dict:
        out = {
            "count": int(self.count),
            "method": self.method,
            "signal_name": self.signal_name,
            "reps": [rep.to_dict() for rep in self.reps],
            "params": _plain(self.params),
        }
        if self.error:
            out["error"] = self.error
        if with_series:
            out["times"] = _plain(np.asarray(self.times, dtype=float))
            out["signal"] = _plain(np.asarray(self.signal, dtype=float))
            out["diagnostics"] = _plain(self.diagnostics)
        return out


class BaseCounter(BaseEstimator):
    """Estimator base: parameter handling and the fitted-result helpers.

    A scikit-learn ``BaseEstimator`` (``clone``, ``check_is_fitted`` and a notebook's
    estimator display work); reading a learned attribute (``count_``, ``reps_``...) before
    ``fit`` raises ``sklearn.exceptions.NotFittedError``, not a bare ``AttributeError``.
    """

    name = "base"
    param_ranges: dict[str, tuple[float, float]] = {}
    # what each numeric setting may be, checked by every ``fit`` (``_check_params``): a
    # swapped or negative value passed as a genuine "0 reps", indistinguishable from a miss
    # in a sweep. Kinds: "number" (finite), "nonnegative", "positive", "share" (0..1),
    # "count" (a whole number >= 1); None is left to the fit (worked out from the signal).
    param_kinds: dict[str, str] = {}
    # settings that must be in this order (low < high) when both are given
    param_order: tuple[tuple[str, str], ...] = ()
    # settings that are one of a few values (a word, or True/False): any other is refused
    # ("polarity=down" ran a whole pose pass, then failed on every clip; "no" for a flag
    # was a non-empty word, so true)
    param_choices: dict[str, tuple] = {"polarity": ("auto", "min", "max")}
    # whether every rep it finds comes back towards rest by its own rule; when not, the body
    # gate checks the move on the way down and on the way back (``gate_reps(both_sides=)``)
    checks_return = False

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    @classmethod
    def param_docs(cls) -> dict[str, str]:
        """What each setting means, read from the class docstring's ``Args:`` section
        (a line ``name: text`` or ``a, b: text``, continued on more-indented lines), so a
        settings panel can explain ``harmonic_ratio`` without a second copy of the words."""
        lines = inspect.getdoc(cls).splitlines() if cls.__doc__ else []
        start = next((i + 1 for i, line in enumerate(lines) if line.strip() == "Args:"), len(lines))
        docs: dict[str, str] = {}
        names: list[str] = []
        indent = None
        for line in lines[start:]:
            if not line.strip():
                break
            depth = len(line) - len(line.lstrip())
            head, sep, text = line.strip().partition(": ")
            if sep and (indent is None or depth <= indent):
                indent = depth
                names = [name.strip() for name in head.split(",")]
                for name in names:
                    docs[name] = text.strip()
            elif indent is not None and depth > indent:
                for name in names:
                    docs[name] += " " + line.strip()
            else:
                break
        valid = set(cls._param_names())
        return {name: text for name, text in docs.items() if name in valid}

    def set_params(self, **params) -> BaseCounter:
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"{type(self).__name__} has no setting {key!r} (settings: {sorted(valid)})")
            setattr(self, key, value)
        return self

    # settings measured in the signal's own units (slider bounds follow the signal)
    signal_unit_params: tuple[str, ...] = ()

    def param_ranges_for(self, signal) -> dict[str, tuple[float, float]]:
        """Slider bounds for this estimator on ``signal``: ``param_ranges`` with every
        setting in signal units (``signal_unit_params``) bounded by the signal's own
        1st..99th percentile span instead of a fixed range (degrees make no sense on a
        principal component, and a PC's units make none on a knee angle).
        """
        ranges = dict(self.param_ranges)
        x = np.asarray(signal, dtype=float)
        x = x[np.isfinite(x)]
        if len(x) < 2 or not self.signal_unit_params:
            return ranges
        lo, hi = (float(v) for v in np.percentile(x, [1, 99]))
        if hi <= lo:
            return ranges
        for key in self.signal_unit_params:
            if key in ranges:
                ranges[key] = (
                    (0.0, round(hi - lo, 6)) if key in self.spread_params else (round(lo, 6), round(hi, 6))
                )
        return ranges

    # of ``signal_unit_params``, those that are a spread (0..range), not a level
    spread_params: tuple[str, ...] = ()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit(self, signal, times) -> BaseCounter:  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_is_fitted__(self) -> bool:
        return "count_" in self.__dict__

    def __getattr__(self, name: str):
        # reached only when ``name`` is not set: a learned attribute read before ``fit``
        if name.endswith("_") and not name.startswith("_") and "count_" not in self.__dict__:
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(signal, times) before reading {name}"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _start_fit(self, signal, times) -> tuple[np.ndarray, np.ndarray]:
        """Forget the previous fit, then validate the series (every ``fit`` starts here).

        Each fit sets its results afresh, but an early return (no period, a flat or empty
        signal) sets only some of them: without this, a refit showed the previous clip's
        active stretch and thresholds in ``diagnostics()``.
        """
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)
        self._check_params()
        return check_series(signal, times)

    def _check_params(self) -> None:
        """Refuse settings no fit can honour (``param_kinds``, ``param_choices``, ``param_order``), by name."""
        defaults = inspect.signature(type(self).__init__).parameters
        for key, kind in self.param_kinds.items():
            value = _plain_scalar(getattr(self, key))
            if value is None and defaults[key].default is None:
                continue  # automatic: worked out from the signal
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
            if ok and kind == "count":
                ok = float(value).is_integer() and value >= 1
            elif ok:
                ok = {"number": True, "nonnegative": value >= 0, "positive": value > 0,
                      "share": 0 <= value <= 1}[kind]  # fmt: skip
            if not ok:
                raise ValueError(f"{type(self).__name__}: {key} must be {_KIND_WORDS[kind]}, not {value!r}")
        for key, choices in self.param_choices.items():
            value = _plain_scalar(getattr(self, key, None))
            # compared by type as well: True == 1, and 1 is no flag
            if not any(type(value) is type(c) and value == c for c in choices):
                words = " or ".join(repr(c) for c in choices)
                raise ValueError(f"{type(self).__name__}: {key} must be {words}, not {value!r}")
        for low, high in self.param_order:
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and not a < b:
                raise ValueError(f"{type(self).__name__}: {low} ({a!r}) must be below {high} ({b!r})")

    def diagnostics(self) -> dict:
        """Every fitted attribute ending in ``_`` except the reps themselves."""
        return {
            k.rstrip("_"): v
            for k, v in vars(self).items()
            if k.endswith("_") and not k.startswith("_") and k not in ("reps_", "count_")
        }

    def _set_reps(self, times: np.ndarray, starts, bottoms, ends) -> None:
        t = np.asarray(times, dtype=float)
        reps = []
        for s, b, e in zip(starts, bottoms, ends):
            s, b, e = int(s), int(b), int(e)
            s, e = min(s, b), max(e, b)
            reps.append(Rep(float(t[s]), float(t[b]), float(t[e])))
        reps.sort(key=lambda r: r.bottom_s)
        self.reps_ = reps
        self.count_ = len(reps)


def _plain_scalar(value):
    """A NumPy scalar as the Python one (``np.bool_(True)`` from a grid of settings is True)."""
    return value.item() if isinstance(value, np.generic) else value


_KIND_WORDS = {
    "number": "a finite number", "nonnegative": "a number of 0 or more", "positive": "a number above 0",
    "share": "a share between 0 and 1", "count": "a whole number of 1 or more",
}  # fmt: skip


def check_series(signal, times) -> tuple[np.ndarray, np.ndarray]:
    """Validate a (T,) signal with (T,) increasing times; returns float arrays."""
    x = np.asarray(signal, dtype=np.float64)
    if sum(size > 1 for size in x.shape) > 1:  # it was flattened, and blamed on the times' length
        raise ValueError(f"the signal must be one series of numbers, not an array of shape {x.shape}")
    x = x.ravel()
    if times is None:
        raise ValueError(
            "times are needed: one time in seconds per sample, e.g. np.arange(len(signal)) / fps"
        )
    t = as_seconds(times).ravel()
    if x.shape != t.shape:
        raise ValueError(f"signal has {len(x)} samples but times has {len(t)}")
    if len(x) == 0:
        raise ValueError("the signal is empty: there is nothing to count")
    check_times(t)
    return x, t
