"""Each counter and each of its settings in words a coach can use.

The Compare counters page shows them (an algorithm's sentence above its settings, each
setting's label before its keyword); the estimators' own docstrings (``param_docs``) stay
the settings' full descriptions. Kept in the library, beside the counters, so a new
counter or setting is named here or fails ``tests/test_counting.py`` instead of showing up
on the page as a bare keyword.
"""

from __future__ import annotations

# what each algorithm does, in words a coach can use (the settings' own descriptions are below)
COUNTER_WORDS = {
    "peaks": "finds each turning point of the movement curve (the bottom of a squat, the top of a curl) "
    "and counts those the body goes into and comes back from by a full rep's height. The recommended count.",
    "adaptive": "counts each stretch where the curve stands clearly above its own recent average "
    "(the last n samples, h standard deviations above), a threshold that follows the movement.",
    "hysteresis": "switches between two states, down and up: a rep is going past the 'down' line and back "
    "past the 'up' line, as in MediaPipe's repetition counter.",
    "flow": "reads the pixels, not the skeleton: the average up-and-down movement (optical flow) inside "
    "the person's box; a rep is a move one way then the other. For clips where the pose is lost.",
    "periodicity": "measures how long one rep takes (the curve's period) and steps through the clip "
    "one period at a time, RepNet's idea without a network.",
}

# each setting in words, before its keyword (the keyword is what the library and the table's
# "changed" column use; the tooltip holds the estimator's own description)
SETTING_LABELS = {
    "prominence": "least prominence", "prominence_ratio": "least prominence, share of the range",
    "min_distance_s": "least time between reps (s)", "distance_ratio": "least spacing, share of the period",
    "smooth_s": "smoothing (s)", "polarity": "turning point", "min_excursion_ratio": "smallest rep, share of the median",
    "return_ratio": "return on both sides, share", "period_s": "rep period (s)",
    "harmonic_ratio": "shorter period taken from this share", "active_ratio": "active stretch, share of the swing",
    "detrend_periods": "level shifts removed over (periods)", "fine_smooth_s": "smoothing for rep boundaries (s)",
    "local_tempo": "follow a stretch that speeds up", "n": "window (samples)", "h": "threshold (standard deviations)",
    "cutoff_hz": "low-pass cut-off (Hz)", "min_run_s": "shortest rep state (s)", "down_below": "down below",
    "up_above": "up above", "low_ratio": "down threshold, share of the range",
    "high_ratio": "up threshold, share of the range", "min_dwell_s": "least time in the turn (s)",
    "dead_band": "still band, share of the speed range", "min_phase_s": "shortest phase (s)",
    "max_pause_s": "longest pause (s)", "direction": "direction", "min_period_s": "shortest period (s)",
    "max_period_s": "longest period (s)", "tolerance": "search window, share of the period",
    "tempo_follow": "how fast the tempo is followed (0-1)",
}  # fmt: skip
