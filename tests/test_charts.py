"""The pages' chart helpers on a long set: a coach's 3-minute clip of 78 squats (review AE)."""

from __future__ import annotations

from types import SimpleNamespace

import plotly.graph_objects as go
import pytest

from pages import charts


def _reps(count: int) -> list:
    return [
        SimpleNamespace(start_s=2.3 * i, bottom_s=2.3 * i + 0.9, end_s=2.3 * i + 1.8) for i in range(count)
    ]


def test_a_long_sets_rep_bands_are_added_in_one_go(shapes_one_by_one):
    fig = charts.line_chart()
    charts.shade_reps(fig, _reps(78))
    assert shapes_one_by_one == []
    assert len(fig.layout.shapes) == 78
    band = fig.layout.shapes[77]
    assert (band.x0, band.x1, band.xref, band.yref, band.y0, band.y1, band.layer) == (
        pytest.approx(2.3 * 77),
        pytest.approx(2.3 * 77 + 1.8),
        "x",
        "y domain",
        0,
        1,
        "below",
    )


def test_rep_bands_are_the_ones_plotly_draws_for_a_vrect():
    """The bands drawn in one go are those ``add_vrect`` drew one by one: nothing moved."""
    reps = _reps(3)
    ours, theirs = charts.line_chart(), charts.line_chart()
    charts.shade_reps(ours, reps)
    for i, rep in enumerate(reps):
        theirs.add_vrect(x0=rep.start_s, x1=rep.end_s, fillcolor=charts.REP_FILL, line_width=0, layer="below",
                         annotation_text=str(i + 1), annotation_position="top left")  # fmt: skip
    assert ours.layout.shapes == theirs.layout.shapes
    assert ours.layout.annotations == theirs.layout.annotations


def test_a_long_set_is_numbered_in_steps_a_chart_can_hold():
    """78 rep numbers over a chart ran into one another ("1011121314"); a short set keeps them all."""
    fig = charts.line_chart()
    charts.shade_reps(fig, _reps(78))
    assert [a.text for a in fig.layout.annotations] == ["1", *(str(n) for n in range(5, 79, 5))]
    fig = charts.line_chart()
    charts.shade_reps(fig, _reps(12))
    assert [a.text for a in fig.layout.annotations] == [str(n) for n in range(1, 13)]
    assert [charts.rep_label_step(n) for n in (25, 26, 78, 260, 1300)] == [1, 2, 5, 20, 100]
    assert all(len(charts.numbered_reps(n)) <= charts.MAX_REP_LABELS + 1 for n in range(1, 2000))


def test_add_shapes_keeps_what_the_figure_had(shapes_one_by_one):
    fig = go.Figure()
    fig.add_hline(y=0.5)
    charts.add_shapes(
        fig, [{"type": "rect", "x0": 0, "x1": 1, "y0": 0, "y1": 1}], [{"text": "a", "x": 0, "y": 0}]
    )
    assert len(shapes_one_by_one) == 1  # the hline, not the rest
    assert [s.type for s in fig.layout.shapes] == ["line", "rect"] and fig.layout.annotations[0].text == "a"
