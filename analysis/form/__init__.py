"""Squat form: per-rep features, the camera view, the classifier and the verdicts.

Public API::

    from analysis.form import assess_squat_reps, detect_view, load_model, RepVerdict
    verdicts = assess_squat_reps(track, reps, strictness=0.5)
    scored = score_squat_reps(track, reps)   # once per set: features and probabilities
    verdicts_at(scored, strictness=0.7)      # then any strictness, in milliseconds
"""

from analysis.form.dataset import FAULT_LABELS, GOOD_LABELS, LABELS, load_dataset
from analysis.form.features import RepFeatures
from analysis.form.model import SquatFormModel
from analysis.form.verdict import (
    RepVerdict,
    ScoredRep,
    assess_squat_reps,
    load_model,
    p_good_threshold,
    score_squat_reps,
    verdict_rows,
    verdicts_at,
    write_verdicts_csv,
)
from analysis.form.view import TRUSTED, detect_view

__all__ = [
    "FAULT_LABELS", "GOOD_LABELS", "LABELS", "RepFeatures", "RepVerdict", "ScoredRep", "SquatFormModel",
    "TRUSTED", "assess_squat_reps", "detect_view", "load_dataset", "load_model", "p_good_threshold",
    "score_squat_reps", "verdict_rows", "verdicts_at", "write_verdicts_csv",
]  # fmt: skip
