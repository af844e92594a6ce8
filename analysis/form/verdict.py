"""Per-rep squat verdicts: label, P(good), faults and a plain-words reason with the number.

The classifier gives the verdict; interpretable rules give the reason. A fault the
camera's view cannot measure (knee valgus from the side, say) is never raised: its
class probability is removed before deciding. Strictness, like the mobile assistant's
difficulty setting, raises the P(good) a rep needs and tightens the rule thresholds
(from the loose to the strict percentile of good reps in the training data).
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from analysis.errors import RepLabError
from analysis.form.dataset import GOOD_LABELS
from analysis.form.features import RepFeatures
from analysis.form.model import decide_labels, good_probability
from analysis.form.skeleton import track_joints
from analysis.form.view import FAULT_FEATURE_GROUP, TRUSTED, feet_in_view, rep_view, view_angle
from analysis.strictness import DEFAULT_STRICTNESS, p_good_threshold
from analysis.wording import rep_numbers_words, rounded_down, verdict_words

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "squat_form.joblib"
UNKNOWN = "unknown"
NOT_A_SQUAT = "not a squat"
# A rep that neither bends the knees by this much nor lowers the hips by this share of the
# leg length is not a squat (a curl, a push-up, a jumping jack), and a squat verdict on it
# ("hips 41 cm above knee height: sit deeper" on a curl) would be nonsense. The reps of
# the 20 hand-counted clips that are not squats move the knees at most 18 degrees and
# the hips at most 0.15 leg lengths, but for a pull-up's first rep (hips 0.205: it was
# judged a good squat, review H; the squat count now leaves it out, as its knees swing
# less than ``ExercisePreset.min_swing``); the squats at least 57 degrees or 0.29 leg
# lengths; 8 of the 1,016 training reps (recordings without a visible squat) fall under both.
MIN_SQUAT_KNEE_BEND = 25.0
MIN_SQUAT_HIP_DROP = 0.2
# A rep whose deepest point was not seen is not judged: at least this share of the frames
# within ``BOTTOM_WINDOW_S`` of it must show the person. Bridged across the gap, the
# joints' straight lines made a lifter hidden behind the plates at the bottom "good, hips
# 28 cm below knee height", at any strictness, with a trunk lean of 156 degrees (review H,
# squat_side_formfit_3 rep 3: 1 of 3 frames seen there). Every other squat of the clips
# is seen in every frame around its bottom.
MIN_SEEN_AT_BOTTOM = 0.5
BOTTOM_WINDOW_S = 0.25
# Nor is a rep the person is missing from for more than this share of its frames: its
# measures come from straight lines bridging what was not seen, and the deepest point seen
# need not be the bottom (squat_side_formfit_3 rep 2: lost 6.03-6.77 s behind the plates,
# hand-marked bottom 6.45 s, judged "bending forward" from the frames before the gap; 31%
# of its frames unseen, and 35% of rep 3's). Every other squat rep of the clips, and every
# training rep, is seen in all its frames.
MAX_UNSEEN_SHARE = 0.25
# A squat ends standing, as it began. A rep whose last 0.3 s has the trunk leaning past
# END_MAX_LEAN degrees AND the hips below END_MIN_HEIGHT of their starting height went on
# to the floor (a lifter dropping for the next exercise was judged a good squat): not a
# squat. None of the 1,016 training reps ends so; alone, 3 end as leant and 9 as low.
# Past a horizontal trunk or with the hips under the ankles the pose is lost, not telling.
END_MAX_LEAN = 45.0
END_MIN_HEIGHT = 0.85
END_WINDOW_S = 0.3

# Rule per fault: the feature it reads and how to say it. Thresholds come from the model.
FAULT_RULES: dict[str, str] = {
    "no depth": "bottom_hip_above_knee",
    "bending forward": "max_trunk_lean",
    "knees caving": "bottom_knee_width_ratio",
    "heels lifting": "max_heel_rise",
    "toes lifting": "max_toe_rise",
}


@dataclass
class RepVerdict:
    """The form verdict of one squat rep (see the module docstring for how it is made)."""

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    label: str
    good: bool
    faults: list[str]
    p_good: float
    reason: str
    features: dict[str, float] = field(default_factory=dict)
    view: str = "diagonal"
    trusted: dict[str, bool] = field(default_factory=dict)
    # the P(good) a rep needed to pass (the strictness it was judged at): saved with it, so
    # two sessions judged at different strictness are not read as the same bar
    p_good_needed: float = float("nan")

    @property
    def judged(self) -> bool:
        """Whether the rep got a form verdict (not "unknown", not "not a squat")."""
        return self.label not in (UNKNOWN, NOT_A_SQUAT)

    @property
    def judged_bottom_s(self) -> float:
        """The bottom the form model judged (its own, from the rep's deepest frame), else the counter's."""
        bottom = self.features.get("bottom_time_s")
        return float(bottom) if bottom is not None and np.isfinite(bottom) else self.bottom_s

    @property
    def verdict_words(self) -> str:
        """The verdict as shown (``wording.verdict_words``): "good (powerlifting squat)"."""
        return verdict_words(self.label, self.good)

    def to_dict(self) -> dict:
        """JSON-able dict (NaN becomes None)."""
        out = asdict(self)
        out["features"] = {k: _json_float(v) for k, v in self.features.items()}
        out["p_good"] = _json_float(self.p_good)
        out["p_good_needed"] = _json_float(self.p_good_needed)
        out["judged"] = self.judged
        return out


def _json_float(value):
    value = float(value)
    return value if math.isfinite(value) else None


# The measures a coach reads in the verdicts table (``verdict_rows``): column -> feature.
# Angles in degrees; heights and widths as a share of a body length (cm only when the
# pose has metric world landmarks); tempo in seconds.
VERDICT_MEASURES: dict[str, str] = {
    "hips_above_knee_thighs": "bottom_hip_above_knee",
    "hips_above_knee_cm": "bottom_hip_above_knee_cm",
    "knee_angle_deg": "bottom_knee_angle",
    "trunk_lean_deg": "max_trunk_lean",
    "knee_width_ratio": "bottom_knee_width_ratio",
    "heel_rise_legs": "max_heel_rise",
    "toe_rise_legs": "max_toe_rise",
    "knee_asymmetry_deg": "max_abs_knee_asym",
    "stance_width": "start_stance_width",
    "down_s": "down_s",
    "up_s": "up_s",
}
# bottom_s is the counter's turning point; deepest_s the frame the form model judged (the
# lowest hip, relative to the ankles; the most bent knee where the hips are not seen),
# which the rep cards and the report show: the two differ by a few tenths
VERDICT_COLUMNS = ("rep", "start_s", "bottom_s", "deepest_s", "end_s", "label", "good", "p_good", "p_good_needed",
                   "faults", "reason", "view", *VERDICT_MEASURES)  # fmt: skip
# What each measure needs the camera to see (``TRUSTED`` by view): a side view cannot
# measure knee width, so its "knee_width_ratio" is left blank rather than quoted.
MEASURE_TRUST: dict[str, str] = {
    "hips_above_knee_thighs": "depth", "hips_above_knee_cm": "depth", "knee_angle_deg": "knee_angle",
    "trunk_lean_deg": "trunk_lean", "knee_width_ratio": "knee_valgus", "heel_rise_legs": "heel_lift",
    "toe_rise_legs": "toe_lift", "knee_asymmetry_deg": "asymmetry", "stance_width": "stance_width",
    "down_s": "tempo", "up_s": "tempo",
}  # fmt: skip


def verdict_rows(verdicts: list[RepVerdict]) -> list[dict]:
    """One flat row per rep (``VERDICT_COLUMNS``) for a table or a CSV export; a measure
    that could not be taken, or that the rep's view cannot show (``MEASURE_TRUST``), is None."""

    def number(value, digits: int = 3):
        value = _json_float(value) if value is not None else None
        return None if value is None else round(value, digits)

    def shown(v: RepVerdict, column: str, name: str):
        """The measure, blank where the view cannot show it or the body cannot reach it (a
        reason that calls "toes rose 55 cm" untrustworthy must not sit beside 0.72 legs), and
        on a rep not seen well enough to judge (read off lines bridging the unseen frames, its
        "hips 28 cm below knee height" sat beside a 146 degree knee: review N)."""
        value = v.features.get(name)
        if v.label == UNKNOWN or not v.trusted.get(MEASURE_TRUST[column], True):
            return None
        if name in PLAUSIBLE_RANGE and value is not None and not _plausible(name, float(value)):
            return None
        return number(value)

    return [
        {
            "rep": v.index + 1,
            "start_s": number(v.start_s),
            "bottom_s": number(v.bottom_s),
            "deepest_s": number(v.judged_bottom_s),
            "end_s": number(v.end_s),
            "label": v.label,
            "good": v.good,
            # rounded down, as shown everywhere: a failing 0.4996 must not read 0.5
            "p_good": None if _json_float(v.p_good) is None else rounded_down(v.p_good, 3),
            "p_good_needed": number(v.p_good_needed, 2),
            "faults": "; ".join(v.faults),
            "reason": v.reason,
            "view": v.view,
            **{column: shown(v, column, name) for column, name in VERDICT_MEASURES.items()},
        }  # fmt: skip
        for v in verdicts
    ]


def squats_only(
    reps: Sequence, verdicts: Sequence[RepVerdict]
) -> tuple[list, list[RepVerdict], list[RepVerdict]]:
    """``(reps, verdicts, left_out)``: the counted reps the form check found to be squats,
    their verdicts numbered again from 0, and the verdicts of the movements left out
    (``NOT_A_SQUAT``, with their own numbers and times).

    What a squat count means: the squat counter's reps on the knee angle include whatever
    else bends the knees (a front-view clip's lifter dropping into the push-ups that follow
    was saved as a 13th squat, and stayed in the athlete's trend). ``reps[i]`` goes with
    ``verdicts[i]``.
    """
    kept = [(rep, v) for rep, v in zip(reps, verdicts) if v.label != NOT_A_SQUAT]
    left_out = [v for v in verdicts if v.label == NOT_A_SQUAT]
    return [rep for rep, _ in kept], [replace(v, index=i) for i, (_, v) in enumerate(kept)], left_out


def reps_by_view(verdicts: Sequence[RepVerdict]) -> dict[str, list[RepVerdict]]:
    """Camera view -> its reps, in the clip's order.

    A clip can change view part way (filmed from the side, then from the front): each
    rep has its own view, and the report and the Squat form page name every one (both
    named the first rep's)."""
    views: dict[str, list[RepVerdict]] = {}
    for verdict in verdicts:
        views.setdefault(verdict.view, []).append(verdict)
    return views


def judged_and_not(reps: list[RepVerdict]) -> tuple[list[str], list[str]]:
    """(what these reps' view judges, what it does not), in words. A fault judged on some of
    the reps only (heels out of the frame in the others) says on which."""
    judged, not_judged = [], []
    for key in reps[0].trusted:
        on = [v.index + 1 for v in reps if v.trusted.get(key)]
        words = key.replace("_", " ")
        if len(on) == len(reps):
            judged.append(words)
        elif on:
            judged.append(f"{words} ({rep_numbers_words(on)} only)")
        else:
            not_judged.append(words)
    return judged, not_judged


def write_verdicts_csv(verdicts: list[RepVerdict], out) -> None:
    """``verdict_rows`` as CSV (header ``VERDICT_COLUMNS``) to a text file object."""
    writer = csv.DictWriter(out, fieldnames=VERDICT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(verdict_rows(verdicts))


def load_model(path=None):
    """The fitted ``SquatFormModel`` (default ``models/squat_form.joblib``)."""
    import joblib

    path = Path(path) if path is not None else DEFAULT_MODEL_PATH
    if not path.is_file():
        raise RepLabError(f"form model {path} not found: build it with `python -m analysis train-form`")
    try:
        model = joblib.load(path)
    except MemoryError:
        raise
    except Exception as exc:  # unpickling a damaged file raises anything from zlib.error to EOFError
        raise RepLabError(
            f"form model {path} cannot be loaded ({type(exc).__name__}: {exc}); rebuild it with "
            "`python -m analysis train-form`"
        ) from None
    if not hasattr(model, "predict_proba") or not hasattr(model, "thresholds_"):
        raise RepLabError(f"form model {path} is not a RepLab squat-form model")
    return model


def rule_threshold(model, feature: str, strictness: float) -> float:
    """The rule threshold between the model's loose (strictness 0) and strict (1) values."""
    loose, strict = model.thresholds_[feature]
    return loose + (strict - loose) * float(np.clip(strictness, 0.0, 1.0))


def rule_fires(model, fault: str, scalars: dict, strictness: float) -> bool:
    """Whether the fault's own measure passes its threshold at ``strictness``.

    A measure beyond what a body does (heels "rising" 52 cm while the bar hid the lifter)
    fires nothing: it says the pose was tracked wrongly, and the reason says so.
    """
    feature = FAULT_RULES[fault]
    value = scalars.get(feature, float("nan"))
    if not _plausible(feature, value) or feature not in model.thresholds_:
        return False
    threshold = rule_threshold(model, feature, strictness)
    return value < threshold if fault == "knees caving" else value > threshold


def _length(fraction: float, unit_length: float | None, unit_name: str) -> str:
    """A body-relative length in cm when metres are known, else as a share of a body length."""
    if unit_length is not None and np.isfinite(unit_length):
        return f"{abs(fraction) * unit_length * 100:.0f} cm"
    return f"{abs(fraction) * 100:.0f}% of {unit_name} length"


# What each fault's measure must show before a reason quotes it: the direction of the fault,
# and a range the body can reach (beyond it the pose was tracked wrongly on some frames: a
# bar hiding the lifter, a squashed skeleton; a "trunk lean of 167°" or "heels rose 52 cm").
# Heights are shares of the thigh or leg length, the knee ratio of the ankle width.
FAULT_EVIDENCE = {
    "no depth": ("bottom_hip_above_knee", lambda v: v > 0, (-1.0, 1.5)),
    "bending forward": ("max_trunk_lean", lambda v: v > 0, (0.0, 90.0)),
    "knees caving": ("bottom_knee_width_ratio", lambda v: v < 1.0, (0.2, 3.0)),
    "heels lifting": ("max_heel_rise", lambda v: v > 0, (-0.25, 0.25)),
    "toes lifting": ("max_toe_rise", lambda v: v > 0, (-0.25, 0.25)),
}


def _measure(fault: str, features: RepFeatures, metres: bool) -> tuple[str, str]:
    """(what was measured, what to change) for one fault."""
    s = features.scalars
    thigh = features.lengths["thigh"] if metres else None
    leg = features.lengths["leg"] if metres else None
    if fault == "no depth":
        v = s["bottom_hip_above_knee"]
        where = "above" if v > 0 else "below"
        return f"hips stopped {_length(v, thigh, 'thigh')} {where} knee height", "sit deeper"
    if fault == "bending forward":
        return f"trunk leaned {s['max_trunk_lean']:.0f}° from vertical", "keep your chest up"
    if fault == "knees caving":
        return f"knees moved in to {s['bottom_knee_width_ratio'] * 100:.0f}% of ankle width at the bottom", (
            "push them out"
        )
    if fault == "heels lifting":
        return f"heels rose {_length(s['max_heel_rise'], leg, 'leg')}", "keep your heels down"
    return f"toes rose {_length(s['max_toe_rise'], leg, 'leg')}", "keep the whole foot on the floor"


# what a body can show on each measure the reasons quote (from ``FAULT_EVIDENCE``)
PLAUSIBLE_RANGE = {feature: limits for feature, _, limits in FAULT_EVIDENCE.values()}


def _plausible(feature: str, value: float) -> bool:
    low, high = PLAUSIBLE_RANGE[feature]
    return bool(np.isfinite(value)) and low <= value <= high


def _measurable(label: str, features: RepFeatures) -> bool:
    """Whether a fault's own measure lies within what a body does on this rep (labels
    without a measure of their own, the good styles, always are)."""
    if label not in FAULT_EVIDENCE:
        return True
    feature = FAULT_EVIDENCE[label][0]
    return _plausible(feature, features.scalars.get(feature, float("nan")))


def explain(fault: str, features: RepFeatures, metres: bool, past_line: bool = True) -> str:
    """Plain words for one fault, with the measured number and what to change.

    The number is quoted as evidence only when it shows the fault: a number the body
    cannot reach says the pose was tracked wrongly, and one pointing the other way
    ("knees at 133% of ankle width: push them out") says the model's call rests on
    other measures, and the reason says so instead of contradicting itself. So does one
    that points the fault's way but lies within the good reps' range at this strictness
    (``past_line`` False, see ``rule_fires``): "hips stopped 2 cm above knee height: sit
    deeper" sat beside a rep 7 cm above called good.
    """
    if fault not in FAULT_EVIDENCE:
        return fault
    feature, shows_fault, _ = FAULT_EVIDENCE[fault]
    value = features.scalars.get(feature, float("nan"))
    measured, advice = _measure(fault, features, metres)
    if not _plausible(feature, value):
        return (
            f"{fault}, by the model's judgement: the measure cannot be trusted on this rep ({measured} is "
            "beyond what a body does; the pose was probably tracked wrongly, check the video)"
        )
    if not shows_fault(value):
        return (
            f"{fault}, by the model's judgement from the rep as a whole ({measured}, which does not show it)"
        )
    if not past_line:
        return (
            f"{fault}, by the model's judgement from the rep as a whole ({measured}, within the range of "
            f"good reps at this strictness; if it is the fault: {advice})"
        )
    return f"{measured}: {advice}"


def _good_reason(
    features: RepFeatures, metres: bool, trusted: dict[str, bool], past_line: Sequence[str] = ()
) -> str:
    """The words of a good rep: its main measures, and any that lies past a fault's line.

    ``past_line``: faults whose own measure passes its rule at this strictness on a rep the
    model judged good as a whole. Said, not hidden: a card read "good form: trunk lean 68°"
    beside one reading "trunk leaned 67° from vertical: keep your chest up".
    """
    s = features.scalars
    thigh = features.lengths["thigh"] if metres else None
    v = s["bottom_hip_above_knee"]
    parts = []
    if _plausible("bottom_hip_above_knee", v):
        depth = f"hips {_length(v, thigh, 'thigh')} {'above' if v > 0 else 'below'} knee height"
        if v > 0 and "no depth" not in past_line:  # "good ... above knee height" read as a slip
            depth += " (deep enough at this strictness)"
        parts.append(depth)
    if trusted.get("trunk_lean", True) and _plausible("max_trunk_lean", s["max_trunk_lean"]):
        parts.append(f"trunk lean {s['max_trunk_lean']:.0f}°")
    if trusted.get("knee_valgus", True) and _plausible(
        "bottom_knee_width_ratio", s["bottom_knee_width_ratio"]
    ):
        parts.append(f"knees at {s['bottom_knee_width_ratio'] * 100:.0f}% of ankle width")
    reason = "good form: " + (
        ", ".join(parts) if parts else "no measure on this rep can be trusted, check the video"
    )
    if past_line:
        beyond = [f"{fault} ({_measure(fault, features, metres)[0]})" for fault in past_line]
        joined = ", ".join(beyond[:-1]) + (" and " if len(beyond) > 1 else "") + beyond[-1]
        reason += f"; judged good from the rep as a whole, though past this strictness's line for {joined}"
    return reason


def measurable_probabilities(
    model, proba: np.ndarray, features: RepFeatures, trusted: dict[str, bool]
) -> np.ndarray:
    """The model's class probabilities of one rep with every fault it cannot measure removed
    (renormalised): a fault is named only where it can be measured, from this camera view and
    on this rep (a fault whose own measure is beyond what a body does, "toes rose 41 cm",
    rests on a pose tracked wrongly; every export had called the rep "toes lifting" while its
    reason said the measure could not be trusted). No strictness in it: see ``ScoredRep``."""
    classes = np.asarray(model.classes_)
    proba = np.array(proba, dtype=np.float64)
    allowed = np.array(
        [trusted.get(FAULT_FEATURE_GROUP.get(c, ""), True) and _measurable(c, features) for c in classes]
    )
    proba[~allowed] = 0.0
    return proba / proba.sum() if proba.sum() > 0 else np.where(np.isin(classes, GOOD_LABELS), 0.5, 0.0)


def decide_verdict(
    model,
    proba: np.ndarray,
    features: RepFeatures,
    strictness: float = DEFAULT_STRICTNESS,
    trusted: dict[str, bool] | None = None,
    metres: bool = False,
) -> tuple[str, bool, list[str], float, str]:
    """``(label, good, faults, p_good, reason)`` of one rep at ``strictness``, from its
    ``measurable_probabilities``: the P(good) it needs and the fault rules' lines move with
    the strictness; the probabilities do not."""
    trusted = trusted or {}
    classes = np.asarray(model.classes_)
    p_good = float(good_probability(proba[None], classes)[0])
    threshold = p_good_threshold(strictness)
    label = str(decide_labels(proba[None], classes, threshold)[0])
    good = p_good >= threshold
    if good:
        past = [
            fault for fault in FAULT_RULES
            if trusted.get(FAULT_FEATURE_GROUP[fault], True) and rule_fires(model, fault, features.scalars, strictness)
        ]  # fmt: skip
        return label, True, [], p_good, _good_reason(features, metres, trusted, past)
    faults = [label]
    for fault in FAULT_RULES:
        measurable = trusted.get(FAULT_FEATURE_GROUP[fault], True)
        if fault != label and measurable and rule_fires(model, fault, features.scalars, strictness):
            faults.append(fault)
    # the model's own label is quoted as the cause only past its rule's line; the others
    # were added because their rule fires
    past_line = label not in FAULT_RULES or rule_fires(model, label, features.scalars, strictness)
    reason = "; ".join(explain(f, features, metres, past_line or f != label) for f in faults)
    return label, False, faults, p_good, reason


def verdict_from_features(
    model,
    features: RepFeatures,
    strictness: float = DEFAULT_STRICTNESS,
    trusted: dict[str, bool] | None = None,
    metres: bool = False,
) -> tuple[str, bool, list[str], float, str]:
    """``(label, good, faults, p_good, reason)`` of one rep's features."""
    trusted = trusted or {}
    proba = measurable_probabilities(model, model.predict_proba([features])[0], features, trusted)
    return decide_verdict(model, proba, features, strictness, trusted, metres)


def _field(rep, name: str):
    """A rep's time by attribute (the counter's ``Rep``) or by key (its ``to_dict()``)."""
    return rep[name] if isinstance(rep, dict) else getattr(rep, name)


# ``Rep.to_dict`` (the reps JSON) rounds times to the millisecond
ROUNDED_S = 5e-4


def _on_frame(times: np.ndarray, time_s: float) -> float:
    """``time_s`` moved onto the track frame it was rounded from (within ``ROUNDED_S``): a rep
    read back from JSON otherwise lost its first or last frame, and its verdict moved."""
    if not len(times):
        return time_s
    i = int(np.argmin(np.abs(times - time_s)))
    return float(times[i]) if abs(times[i] - time_s) <= ROUNDED_S + 1e-9 else time_s


def seen_in_span(track, start_s: float, end_s: float) -> tuple[int, int]:
    """(frames showing the person, frames) from ``start_s`` to ``end_s``, both included."""
    times = np.asarray(track.times, dtype=np.float64)
    inside = (times >= start_s) & (times <= end_s)
    return int(track.detected[inside].sum()), int(inside.sum())


def seen_at_bottom(track, bottom_s: float) -> tuple[int, int]:
    """(frames showing the person, frames) within ``BOTTOM_WINDOW_S`` of a rep's deepest point."""
    return seen_in_span(track, bottom_s - BOTTOM_WINDOW_S, bottom_s + BOTTOM_WINDOW_S)


def end_pose(features: RepFeatures) -> tuple[float, float]:
    """(trunk lean in degrees, hip height as a share of the rep's first frames') over the
    rep's last ``END_WINDOW_S``: how far the rep is from standing when it ends."""
    times = np.asarray(features.times, dtype=np.float64)
    end = times >= times[-1] - END_WINDOW_S
    start = times <= times[0] + END_WINDOW_S
    hip = np.asarray(features.series["hip_height"], dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a stretch without a usable frame
        lean = float(np.nanmedian(np.asarray(features.series["trunk_lean"], dtype=np.float64)[end]))
        height = float(np.nanmedian(hip[end]) / np.nanmedian(hip[start]))
    return lean, height


def why_not_judged(track, features: RepFeatures, start_s: float, end_s: float) -> tuple[str, str] | None:
    """``(label, reason)`` of a rep the model must not judge, None for one it may.

    ``UNKNOWN`` when the person was not seen well enough (around the bottom, or in too many
    of the rep's frames): its measures would be read off lines bridging what was hidden.
    ``NOT_A_SQUAT`` when the rep barely bends the knees or lowers the hips, or goes on to the
    floor instead of standing back up: a squat verdict on it would be nonsense. The checks
    run in this order; the first that holds gives the reason.
    """
    seen, around = seen_at_bottom(track, features.bottom_time)
    if seen < MIN_SEEN_AT_BOTTOM * around:
        return UNKNOWN, (
            f"the person was not found in {around - seen} of the {around} frames around the bottom of "
            "this rep (hidden, or out of the picture), so it is not judged"
        )
    seen_in_rep, in_rep = seen_in_span(track, start_s, end_s)
    if in_rep - seen_in_rep > MAX_UNSEEN_SHARE * in_rep:
        return UNKNOWN, (
            f"the person was not found in {in_rep - seen_in_rep} of the {in_rep} frames of this rep "
            "(hidden, or out of the picture): its bottom may not have been seen, so it is not judged"
        )
    knee_bend = -features.scalars["change_knee_angle"]
    hip_drop = -features.scalars["change_hip_height"]
    if knee_bend < MIN_SQUAT_KNEE_BEND and hip_drop < MIN_SQUAT_HIP_DROP:
        return NOT_A_SQUAT, (
            f"knees bent {max(knee_bend, 0):.0f}° and hips came down {max(hip_drop, 0) * 100:.0f}% of a leg "
            "length: too little for a squat, so not judged"
        )
    end_lean, end_height = end_pose(features)
    if END_MAX_LEAN < end_lean < 90.0 and 0.0 < end_height < END_MIN_HEIGHT:
        return NOT_A_SQUAT, (
            f"did not stand back up: at the end the trunk leans {end_lean:.0f}° and the hips are at "
            f"{end_height * 100:.0f}% of their starting height (on the way to the floor?), so not judged"
        )
    return None


def rep_measures(features: RepFeatures, metres: bool) -> dict[str, float]:
    """What a verdict keeps of a rep's features: every scalar, the bottom's time, and with
    metric world landmarks the thigh length and the depth in cm (``VERDICT_MEASURES``)."""
    numbers = dict(features.scalars)
    numbers["bottom_time_s"] = features.bottom_time
    if metres:
        numbers["thigh_length_m"] = features.lengths["thigh"]
        numbers["bottom_hip_above_knee_cm"] = (
            100 * features.scalars["bottom_hip_above_knee"] * features.lengths["thigh"]
        )
    return numbers


@dataclass(frozen=True)
class ScoredRep:
    """One rep measured and scored by the model, before any strictness: everything a verdict
    at any strictness is decided from (``verdicts_at``).

    Why apart from ``RepVerdict``: measuring the reps and predicting their probabilities is
    the slow part (1.8 s for a 3-minute set's 78 reps), and the strictness changes neither;
    the Squat form page made both again on every step of its strictness slider.
    """

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    view: str
    trusted: dict[str, bool]
    features: RepFeatures | None = None  # None: not enough pose frames in the rep
    metres: bool = False
    unjudged: tuple[str, str] | None = None  # (label, reason) of a rep the model must not judge
    proba: np.ndarray | None = None  # ``measurable_probabilities`` of a rep the model judges


def score_squat_reps(track, reps, model=None) -> list[ScoredRep]:
    """One ``ScoredRep`` per rep of a ``PoseTrack`` (``reps`` as ``assess_squat_reps`` takes them).

    The detected view (the clip's, or the rep's own after a camera cut) and whether the feet
    are in the frame decide which faults may be named; ``why_not_judged`` which reps are not
    judged. The model predicts every judged rep in one call.
    """
    reps = getattr(reps, "reps", reps)
    model = load_model() if model is None else model
    clip_angle = view_angle(track)
    frame_times = np.asarray(track.times, dtype=np.float64)
    scored = []
    for i, rep in enumerate(reps):
        start, bottom, end = (
            _on_frame(frame_times, float(_field(rep, name))) for name in ("start_s", "bottom_s", "end_s")
        )
        view = rep_view(track, start, end, clip_angle)  # a rep after a camera cut has its own
        trusted = dict(TRUSTED[view])
        if not feet_in_view(track, start, end):
            trusted["heel_lift"] = trusted["toe_lift"] = False
        try:  # a span without a single track frame (a caller's own rep dict) is unknown too
            joints, times, metres = track_joints(track, start, end)
            features = RepFeatures.from_joints(joints, times)
        except ValueError:
            scored.append(ScoredRep(i, start, bottom, end, view, trusted))
            continue
        unjudged = why_not_judged(track, features, start, end)
        scored.append(ScoredRep(i, start, bottom, end, view, trusted, features, metres, unjudged))
    judged = [s for s in scored if s.features is not None and s.unjudged is None]
    if judged:
        probas = model.predict_proba([s.features for s in judged])
        with_proba = {
            s.index: replace(s, proba=measurable_probabilities(model, proba, s.features, s.trusted))
            for s, proba in zip(judged, probas)
        }
        scored = [with_proba.get(s.index, s) for s in scored]
    return scored


def verdicts_at(
    scored: Sequence[ScoredRep], strictness: float = DEFAULT_STRICTNESS, model=None
) -> list[RepVerdict]:
    """The ``RepVerdict`` of each ``ScoredRep`` at ``strictness``: no measuring, no prediction
    (a 78-rep set in milliseconds)."""
    model = load_model() if model is None else model
    needed = p_good_threshold(strictness)
    verdicts = []
    for s in scored:
        trusted = dict(s.trusted)  # each verdict its own, as before
        if s.features is None:
            verdicts.append(
                RepVerdict(s.index, s.start_s, s.bottom_s, s.end_s, UNKNOWN, False, [], float("nan"),
                           "not enough pose frames in this rep to judge it", {}, s.view, trusted)
            )  # fmt: skip
            continue
        if s.unjudged is not None:
            label, good, faults, p_good, reason = s.unjudged[0], False, [], float("nan"), s.unjudged[1]
        else:
            label, good, faults, p_good, reason = decide_verdict(
                model, s.proba, s.features, strictness, trusted, s.metres
            )
        verdicts.append(
            RepVerdict(s.index, s.start_s, s.bottom_s, s.end_s, label, good, faults, p_good, reason,
                       rep_measures(s.features, s.metres), s.view, trusted, p_good_needed=needed)
        )  # fmt: skip
    return verdicts


def assess_squat_reps(track, reps, strictness: float = DEFAULT_STRICTNESS, model=None) -> list[RepVerdict]:
    """One ``RepVerdict`` per rep of a ``PoseTrack``.

    ``reps``: objects with ``start_s``, ``bottom_s`` and ``end_s`` (the counter's reps),
    or dicts with those keys, or a ``CountResult`` (its ``reps``: passing the result itself
    had failed with "'CountResult' object is not iterable", review T).
    The detected view (the clip's, or the rep's own after a camera cut) and whether the
    feet are in the frame decide which faults may be raised. A rep with too few usable
    pose frames, or not seen well enough (``why_not_judged``), gets label "unknown", and a
    rep that barely bends the knees or lowers the hips, or does not stand back up, gets
    "not a squat"; both have P(good) NaN and a reason saying why. The same as
    ``verdicts_at(score_squat_reps(track, reps, model), strictness, model)``: a caller that
    judges one set at several strictnesses scores it once.
    """
    model = load_model() if model is None else model
    return verdicts_at(score_squat_reps(track, reps, model), strictness, model)
