"""Rep counting: several algorithms behind one estimator interface.

    from analysis.counting import count_reps, compare_counters, find_reps
    result = count_reps(track)                 # recommended: auto signal, peak counter
    results = compare_counters(track, video_path="clip.mp4")
    bottoms, properties = find_reps(signal, times)   # plain arrays, as scipy's find_peaks

See ``api.py`` for the two entry points, one module per algorithm, ``auto.py`` for the
exercise-free signal, ``presets.py`` for the per-exercise ones and ``gate.py`` for the
check in body units that drops "reps" of someone standing still.
"""

from analysis.counting.adaptive import AdaptiveThresholdCounter
from analysis.counting.api import (
    COUNTERS,
    POSE_METHODS,
    RECOMMENDED,
    compare_counters,
    count_record,
    count_reps,
    find_reps,
    prepare_signal,
)
from analysis.counting.auto import CountSignal, auto_signal
from analysis.counting.base import BaseCounter, CountResult, Rep
from analysis.counting.flow import FlowCounter, flow_signal
from analysis.counting.gate import BodyMotion, gate_reps
from analysis.counting.hysteresis import HysteresisCounter
from analysis.counting.peaks import PeakCounter
from analysis.counting.periodicity import PeriodicityCounter
from analysis.counting.presets import EXERCISE_PRESETS, ExercisePreset, preset_for

__all__ = [
    "COUNTERS", "EXERCISE_PRESETS", "POSE_METHODS", "RECOMMENDED", "AdaptiveThresholdCounter", "BaseCounter",
    "BodyMotion", "gate_reps",
    "CountResult", "CountSignal", "ExercisePreset", "FlowCounter", "HysteresisCounter", "PeakCounter",
    "PeriodicityCounter", "Rep", "auto_signal", "compare_counters", "count_record", "count_reps", "find_reps", "flow_signal",
    "prepare_signal", "preset_for",
]  # fmt: skip
