"""Squat form: per-rep features, the camera view, the classifier and the verdicts.

Public API::

    from analysis.form import assess_squat_reps, detect_view, load_model, RepVerdict
    verdicts = assess_squat_reps(track, reps, strictness=0.5)
"""

from analysis.form.dataset import FAULT_LABELS, GOOD_LABELS, LABELS, load_dataset
from analysis.form.features import RepFeatures
from analysis.form.model import SquatFormModel
from analysis.form.verdict import (
    RepVerdict,
    assess_squat_reps,
    load_model,
    p_good_threshold,
    verdict_rows,
    write_verdicts_csv,
)
from analysis.form.view import TRUSTED, detect_view

__all__ = [
    "FAULT_LABELS", "GOOD_LABELS", "LABELS", "RepFeatures", "RepVerdict", "SquatFormModel", "TRUSTED",
    "assess_squat_reps", "detect_view", "load_dataset", "load_model", "p_good_threshold", "verdict_rows",
    "write_verdicts_csv",
]  # fmt: skip
