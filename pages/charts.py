"""Plotly charts of a track: line charts over time, rep bands, angle series and axes.

Why a module of its own: every page draws its charts the same way (long series through
WebGL, lines a click can select, rep spans shaded, an angle axis that does not magnify
jitter), and none of it needs Streamlit.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import plotly.graph_objects as go

from analysis.landmarks import INDEX, joint_angle
from analysis.track import PoseTrack

REP_FILL = "rgba(46, 134, 222, 0.13)"
# Okabe-Ito: told apart with red-green colour blindness (the old "tab10" red and green, and its
# blue and purple, looked the same to a deuteranope); lines also get a dash each (``DASHES``)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8c564b")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# a rep's verdict: blue and orange-red stay apart for every common colour blindness; a fault's
# bar also carries a hatch, and every verdict is written in words as well
GOOD_COLOUR, FAULT_COLOUR, UNJUDGED_COLOUR = "#0072B2", "#D55E00", "#999999"
TEXT_COLOUR = "#31333F"  # chart text that carries meaning: Streamlit's grey ticks are 3.7:1 on white


_DAY = timedelta(days=1)


def session_axis(dates: list) -> dict:
    """A Plotly x axis for saved sessions: with one session (or all saved at the same second),
    a day either side with one tick a day; Plotly's own range for one point is a millisecond
    wide, ticked "11:39:20.9995". Sessions apart keep Plotly's axis (seconds apart stay apart)."""
    if not dates or max(dates) != min(dates):
        return {}
    return {
        "range": [dates[0] - _DAY, dates[0] + _DAY],
        "dtick": _DAY.total_seconds() * 1000,
        "tickformat": "%Y-%m-%d",
    }


# the most rep numbers written over a chart: 78 reps of a 3-minute clip ran together ("1011121314")
MAX_REP_LABELS = 25


def rep_label_step(count: int) -> int:
    """Every how many reps a number is written: 1, 2, 5, 10, 20, 50 ... so that at most
    ``MAX_REP_LABELS`` numbers stand over the chart (rep 1 and every multiple of the step)."""
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if -(-count // step) <= MAX_REP_LABELS:
                return step
        power *= 10


def numbered_reps(count: int) -> list[int]:
    """Indices of the reps whose number is written on a chart: every rep of a short set; rep 1
    and every ``rep_label_step``-th of a long one."""
    step = rep_label_step(count)
    return [i for i in range(count) if i == 0 or (i + 1) % step == 0]


def add_shapes(fig: go.Figure, shapes: list[dict], annotations: list[dict] = ()) -> None:
    """Shapes and annotations added to ``fig`` in one layout update.

    Plotly's ``add_shape``, ``add_vrect`` and ``add_annotation`` check every shape already in
    the figure on each call, so adding them one by one costs the square of their number:
    shading the 78 reps of a 3-minute clip took 4 s per chart, on every rerun of the page.
    """
    fig.update_layout(
        shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *annotations]
    )


def shade_reps(fig: go.Figure, reps, colour: str = REP_FILL, label: bool = True) -> None:
    """Rep spans as shaded bands, numbered at the top (rep 1 and every ``rep_label_step``-th
    on a long set)."""
    reps = list(reps or [])
    shapes = [
        {"type": "rect", "xref": "x", "yref": "y domain", "x0": rep.start_s, "x1": rep.end_s, "y0": 0, "y1": 1,
         "fillcolor": colour, "line": {"width": 0}, "layer": "below"}
        for rep in reps
    ]  # fmt: skip
    annotations = [
        {"text": str(i + 1), "xref": "x", "yref": "y domain", "x": reps[i].start_s, "y": 1,
         "xanchor": "left", "yanchor": "top", "showarrow": False}
        for i in (numbered_reps(len(reps)) if label else [])
    ]  # fmt: skip
    add_shapes(fig, shapes, annotations)


def angle_series(track: PoseTrack, name: str, use_world: bool = False) -> np.ndarray:
    """Joint angle per frame: from world landmarks (3-D) when asked and present, else image x-y."""
    if use_world and track.has_world and name != "trunk_lean":
        return joint_angle(track.world, name, dims=3)
    return joint_angle(track.image_points(), name, dims=2)


MIN_ANGLE_SPAN = 40.0  # degrees an angle chart shows at least


def angle_axis_range(series: list[np.ndarray]) -> list[float] | None:
    """A y range of at least ``MIN_ANGLE_SPAN`` degrees around the shown angles (None: let
    Plotly choose). Auto-scaled, a still knee's 172-180 degrees filled the chart, and its
    jitter looked like a movement."""
    values = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series]) if series else np.zeros(0)
    values = values[np.isfinite(values)]
    if not len(values) or values.max() - values.min() >= MIN_ANGLE_SPAN:
        return None
    middle = (values.max() + values.min()) / 2
    low = min(max(middle - MIN_ANGLE_SPAN / 2, 0.0), 180.0 - MIN_ANGLE_SPAN)
    return [low - 2.0, low + MIN_ANGLE_SPAN + 2.0]


def landmark_series(track: PoseTrack, name: str, axis: str) -> np.ndarray:
    return track.landmarks[:, INDEX[name], "xyz".index(axis)]


WEBGL_FROM = 5000  # points per series above which lines use WebGL (SVG slows down on long clips)


# Plotly selects markers, never bare lines: a clickable line carries invisible markers.
_INVISIBLE = {"opacity": 0}
CLICKABLE = {"mode": "lines+markers", "marker": {"size": 8, **_INVISIBLE},
             "selected": {"marker": _INVISIBLE}, "unselected": {"marker": _INVISIBLE}}  # fmt: skip


def add_line(fig: go.Figure, x, y, clickable: bool = False, **kwargs) -> None:
    """A line trace; WebGL (``Scattergl``) for long series so a 10-minute clip stays responsive.

    ``clickable``: a click on the line selects the frame under it (the chart must be drawn
    with ``on_select``); the markers that make that possible are invisible.
    """
    trace = go.Scattergl if len(x) > WEBGL_FROM else go.Scatter
    fig.add_trace(trace(x=x, y=y, **{**kwargs, **(CLICKABLE if clickable else {})}))


# the legend under the chart, in the figure's own margin (Plotly makes room for it): above the
# plot it lay under the chart's toolbar, which a touch screen always shows, and a tap on a
# legend entry pressed a toolbar button (Download as PNG, Zoom out) instead
BELOW = {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0}


def line_chart(height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
        legend=BELOW,
        xaxis_title="time (s)",
    )  # fmt: skip
    return fig


def _lines_over_time(track: PoseTrack, reps, series: list[tuple[str, np.ndarray]]) -> go.Figure:
    """One clickable line per ``(name, values)`` over the track's whole time, the reps shaded:
    what the Analyse page's two charts share (each then names its own y axis)."""
    fig = line_chart()
    for i, (name, values) in enumerate(series):
        add_line(fig, track.times, values, name=name, clickable=True,
                 line={"color": PALETTE[i % len(PALETTE)], "dash": DASHES[i % len(DASHES)]})  # fmt: skip
    shade_reps(fig, reps)
    fig.update_layout(clickmode="event+select", xaxis_range=[track.times[0], track.times[-1]])
    return fig


def trajectory_figure(track: PoseTrack, reps, names: list[str], axis: str) -> go.Figure:
    """The Analyse page's landmark trajectories: one clickable line per landmark, the reps shaded.

    It carries nothing of the frame shown, so it stays the same while a coach steps through
    the frames (see ``pages.common.trajectory_chart``)."""
    fig = _lines_over_time(
        track, reps, [(f"{name} {axis}", landmark_series(track, name, axis)) for name in names]
    )
    fig.update_yaxes(title=f"{axis} (image, 0..1)", autorange="reversed" if axis == "y" else True)
    return fig


def angle_figure(track: PoseTrack, reps, names: list[str], use_world: bool) -> go.Figure:
    """The Analyse page's joint angles over time (as ``trajectory_figure``), on an axis of at
    least ``MIN_ANGLE_SPAN`` degrees."""
    shown = [angle_series(track, name, use_world) for name in names]
    fig = _lines_over_time(track, reps, list(zip(names, shown)))
    fig.update_yaxes(title="degrees", range=angle_axis_range(shown))
    return fig
