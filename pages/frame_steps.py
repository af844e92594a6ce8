"""Where the Analyse page's frame buttons go: one frame on or back, the next or previous rep's
turning point, the frame shown at a time typed in seconds, and which rep a frame is in.

Why a module of its own: on a 3-minute clip the Frame slider spans 5400 frames in about 230 px
(24 frames a pixel), so a coach could not land on a given frame nor step one frame or one rep
at a time (review AG). The steps are plain arithmetic on frame numbers and rep times, kept
apart from Streamlit so they can be tested on their own.
"""

from __future__ import annotations

import bisect

# the moves the page offers, each named by its button's label
PREVIOUS_REP, PREVIOUS_FRAME, NEXT_FRAME, NEXT_REP = "Previous rep", "−1 frame", "+1 frame", "Next rep"
MOVES = (PREVIOUS_FRAME, NEXT_FRAME, PREVIOUS_REP, NEXT_REP)  # two pairs: a row each, on a phone too


def turn_frames(frame_at, reps) -> list[int]:
    """The frame of each rep's turning point (``bottom_s``), in the order of the reps; ``frame_at``
    is the track's (a time to the frame shown then)."""
    return [frame_at(rep.bottom_s) for rep in reps]


def moved(frame: int, move: str, turns: list[int], frame_count: int) -> int:
    """The frame one ``move`` away from ``frame``, inside ``0 .. frame_count - 1``.

    A rep move goes to the first turning point after the frame (or the last one before it),
    so a frame between two reps goes to the nearer rep in that direction, and a frame on a
    turning point to the next rep, not to itself. Past the last rep (or before the first)
    the frame stays where it is.
    """
    last = max(frame_count - 1, 0)
    if move == PREVIOUS_FRAME:
        return min(max(frame - 1, 0), last)
    if move == NEXT_FRAME:
        return min(max(frame + 1, 0), last)
    ordered = sorted(turns)
    if move == NEXT_REP:
        later = ordered[bisect.bisect_right(ordered, frame) :]
        return min(later[0], last) if later else frame
    if move == PREVIOUS_REP:
        earlier = ordered[: bisect.bisect_left(ordered, frame)]
        return max(earlier[-1], 0) if earlier else frame
    raise ValueError(f"unknown move {move!r}; expected one of {', '.join(MOVES)}")


def can_move(frame: int, move: str, turns: list[int], frame_count: int) -> bool:
    """Whether ``move`` goes anywhere from ``frame`` (its button is greyed out when not)."""
    return moved(frame, move, turns, frame_count) != frame


def rep_at(time_s: float, reps) -> int | None:
    """Index of the rep whose span (start to end, both included) holds ``time_s``; None between
    reps, before the first and after the last."""
    for i, rep in enumerate(reps):
        if rep.start_s <= time_s <= rep.end_s:
            return i
    return None


def where_words(time_s: float, reps) -> str:
    """Where ``time_s`` falls among the reps, as the caption under the frame says it: "rep 34 of
    78", "between reps 33 and 34", "before rep 1", "after rep 78" ("" without reps)."""
    if not reps:
        return ""
    i = rep_at(time_s, reps)
    if i is not None:
        return f"rep {i + 1} of {len(reps)}"
    if time_s < reps[0].start_s:
        return "before rep 1"
    after = sum(1 for rep in reps if rep.end_s < time_s)  # reps over by then
    if after >= len(reps):
        return f"after rep {len(reps)}"
    return f"between reps {after} and {after + 1}"
