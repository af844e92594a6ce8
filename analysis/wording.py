"""How RepLab words a count and a verdict, in one place for the library, the exports and the pages.

Kept free of heavy imports (the history and the pages use it without loading the form model).
"""

from __future__ import annotations

import math


def count_words(count: int, noun: str, plural: str | None = None) -> str:
    """``count_words(1, "rep")`` -> "1 rep"; ``count_words(3, "squat rep")`` -> "3 squat reps".

    Labels read "(1 reps)" on the History and Side by side pages."""
    return f"{count} {noun if count == 1 else (plural or noun + 's')}"


def cut_short_words(meta: dict) -> str | None:
    """What to say about a track whose file stops before its header says it ends, or inside
    a piece of video (``meta["ends_early_s"]``, set by ``pose.extract_pose``), or None. Said wherever a count
    or a verdict of it comes out: a batch run reported "ok, 2 reps" for 4 s of a 13 s clip."""
    ends = (meta or {}).get("ends_early_s")
    if not ends:
        return None
    if ends[1] is None:  # a fragmented MP4 or a .ts, whose header gives no length
        return (
            f"the file stops at {ends[0]:.1f} s in the middle of a piece of video: it was probably cut "
            f"short (an interrupted upload or copy); everything here is up to {ends[0]:.1f} s"
        )
    return (
        f"the file stops at {ends[0]:.1f} s of the {ends[1]:.1f} s its header announces: it was probably "
        f"cut short (an interrupted upload or copy); everything here is up to {ends[0]:.1f} s"
    )


def rep_numbers_words(numbers: list[int]) -> str:
    """[1, 2] -> "reps 1, 2"; [3] -> "rep 3" (which reps a remark is about)."""
    return ("rep " if len(numbers) == 1 else "reps ") + ", ".join(str(n) for n in numbers)


def verdict_words(label: str, good: bool) -> str:
    """The verdict as shown: a good rep's label is its style ("powerlifting squat"), which
    does not read as a pass, so it says "good (powerlifting squat)". A rep labelled
    "unknown" (``form.verdict.UNKNOWN``) was not seen well enough to be judged, and says so:
    its card read "unknown" under a summary that said "not seen well enough" (review N)."""
    if label == "unknown":
        return "not judged (not seen well enough)"
    if good and label != "good":  # a bare "good" (a verdict without its style) stays as it is
        return f"good ({label})"
    return label


def format_p_good(p_good: float | None) -> str:
    """P(good) with two decimals, rounded down: 0.4968 at a 0.50 threshold (a fault) must not
    read "0.50" (a pass). Thresholds have two decimals, so the shown number passes exactly
    when the rep does. "-" for a rep without one (not judged)."""
    if p_good is None or not math.isfinite(p_good):
        return "-"
    return f"{rounded_down(p_good, 2):.2f}"


def rounded_down(p_good: float, digits: int) -> float:
    """P(good) cut to ``digits`` decimals, never up: a failing 0.4996 must not read 0.5."""
    # the nudge: 0.58 is stored as 0.57999..., and floor made the 0.58 bar itself read 0.57
    return math.floor(p_good * 10**digits + 1e-9) / 10**digits
