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

# the hysteresis counter's two shares, when a line is set by hand: then they set only the
# gap to the other line (``HysteresisCounter``), and "down threshold" moved the up line
LINE_SET_BY_HAND_LABELS = {
    "low_ratio": "gap to the line set by hand: the lower share", "high_ratio": "gap to the line set by hand: the upper share",
}  # fmt: skip
BOTH_LINES_SET_BY_HAND_LABELS = {
    "low_ratio": "down threshold share: not used, both lines set by hand",
    "high_ratio": "up threshold share: not used, both lines set by hand",
}


def hysteresis_share_label(key: str, lines_set_by_hand: int) -> str | None:
    """The label of the hysteresis counter's ``low_ratio`` or ``high_ratio`` slider with 0, 1
    or 2 of its lines (``down_below``, ``up_above``) set by hand; None for the usual one."""
    if key not in LINE_SET_BY_HAND_LABELS or lines_set_by_hand == 0:
        return None
    return (LINE_SET_BY_HAND_LABELS if lines_set_by_hand == 1 else BOTH_LINES_SET_BY_HAND_LABELS)[key]


def signal_words(signal_name: str) -> str | None:
    """What a counted signal is, in words, for a signal named ``"pcN of normalised pose"``
    (``auto_signal``); None for a named exercise's angle or height, which says itself.

    "pc2 of normalised pose" was shown on the Analyse and Compare counters pages with no word
    on what it is (review O)."""
    if not signal_name.startswith("pc") or "of normalised pose" not in signal_name:
        return None
    number = signal_name[2:].split(" ", 1)[0]
    return (
        f"pc{number} is the whole body's movement along its principal component {number}: the landmark "
        "positions, with the hips at the centre and the torso as the unit of length, reduced to the combined "
        "movement that varies most (pc1), next most (pc2) and so on. With no exercise named, RepLab counts on "
        "the component that repeats most clearly; its units are torso lengths, not degrees."
        + (
            " A second set found on another component is pasted in where the times say."
            if "," in signal_name
            else ""
        )
    )
