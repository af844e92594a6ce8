"""The Analyse page's frame steps (``pages.frame_steps``): one frame on or back, the next or
previous rep's turning point, and where a frame falls among the reps (review AG)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from pages.frame_steps import (
    NEXT_FRAME,
    NEXT_REP,
    PREVIOUS_FRAME,
    PREVIOUS_REP,
    can_move,
    moved,
    rep_at,
    turn_frames,
    where_words,
)

# three reps of a 30 fps clip of 300 frames; rep 2 turns at 4.0 s (frame 120)
REPS = [
    SimpleNamespace(start_s=1.0, bottom_s=2.0, end_s=3.0),
    SimpleNamespace(start_s=3.2, bottom_s=4.0, end_s=5.0),
    SimpleNamespace(start_s=6.0, bottom_s=7.0, end_s=8.0),
]
TIMES = np.arange(300) / 30.0


def _frame_at(time_s: float) -> int:  # as PoseTrack.frame_at
    return int(np.clip(np.searchsorted(TIMES, time_s + 1e-9) - 1, 0, len(TIMES) - 1))


TURNS = turn_frames(_frame_at, REPS)


def test_turn_frames_are_the_frames_shown_at_each_reps_turning_point():
    assert TURNS == [60, 120, 210]


def test_a_frame_step_moves_one_frame_and_stops_at_either_end_of_the_clip():
    assert moved(100, NEXT_FRAME, TURNS, 300) == 101
    assert moved(100, PREVIOUS_FRAME, TURNS, 300) == 99
    assert moved(0, PREVIOUS_FRAME, TURNS, 300) == 0
    assert moved(299, NEXT_FRAME, TURNS, 300) == 299
    assert not can_move(299, NEXT_FRAME, TURNS, 300) and can_move(298, NEXT_FRAME, TURNS, 300)


@pytest.mark.parametrize(
    ("frame", "after", "before"),
    [
        (0, 60, 0),  # before rep 1: back goes nowhere
        (60, 120, 60),  # on rep 1's turn: on to rep 2, not to itself
        (61, 120, 60),  # just past it: back to rep 1's turn
        (119, 120, 60),
        (120, 210, 60),  # on rep 2's turn: back to rep 1
        (150, 210, 120),  # between reps 2 and 3
        (210, 210, 120),  # the last turn: on goes nowhere
        (299, 299, 210),
    ],
)
def test_a_rep_step_goes_to_the_next_or_previous_turning_point(frame, after, before):
    assert moved(frame, NEXT_REP, TURNS, 300) == after
    assert moved(frame, PREVIOUS_REP, TURNS, 300) == before
    assert can_move(frame, NEXT_REP, TURNS, 300) == (after != frame)


def test_rep_steps_take_the_turns_in_time_order_and_without_reps_go_nowhere():
    assert moved(100, NEXT_REP, [210, 60, 120], 300) == 120
    assert moved(100, PREVIOUS_REP, [210, 60, 120], 300) == 60
    for move in (PREVIOUS_REP, NEXT_REP):
        assert moved(100, move, [], 300) == 100 and not can_move(100, move, [], 300)


def test_an_unknown_move_is_refused():
    with pytest.raises(ValueError, match="unknown move"):
        moved(10, "sideways", TURNS, 300)


def test_which_rep_a_time_is_in_and_the_words_for_it():
    assert [rep_at(t, REPS) for t in (0.5, 1.0, 2.0, 3.0, 3.1, 4.5, 5.5, 8.0, 9.0)] == [
        None, 0, 0, 0, None, 1, None, 2, None,
    ]  # fmt: skip
    assert where_words(0.5, REPS) == "before rep 1"
    assert where_words(2.0, REPS) == "rep 1 of 3"
    assert where_words(3.1, REPS) == "between reps 1 and 2"
    assert where_words(5.5, REPS) == "between reps 2 and 3"
    assert where_words(7.0, REPS) == "rep 3 of 3"
    assert where_words(9.0, REPS) == "after rep 3"
    assert where_words(1.0, []) == ""
