"""Compare counters: several counting algorithms on one cached track, tuned live."""

from __future__ import annotations

import time

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from pages import common

st.title("Compare counting algorithms")
st.caption(
    "Every algorithm re-counts the cached pose track: moving a slider never re-runs the pose model. "
    "Click a rep's marker to see its frame."
)

clip = common.clip_picker("main")
if clip is None or not common.need_counting():
    st.stop()
clip, track = common.track_or_previous(clip)
if track is None:
    st.stop()

names = list(common.COUNTERS)
exercise = common.exercise_value(
    st.sidebar.selectbox("Exercise", common.exercise_choices(), key="compare_exercise")
)
default_methods = [n for n in names if n != "flow"] or names
methods = st.multiselect("Algorithms", names, default=default_methods, key="compare_methods")
if not methods:
    st.info("Choose at least one algorithm.")
    st.stop()


def _slider(method: str, key: str, value, bounds):
    """A widget for one estimator setting, built from its default and its range."""
    widget_key = f"param_{method}_{key}"
    if isinstance(value, bool):
        return st.checkbox(key, value=value, key=widget_key)
    if isinstance(value, int | float) and bounds is not None:
        lo, hi = bounds[0], bounds[1]
        if isinstance(value, int) and isinstance(lo, int) and isinstance(hi, int):
            return st.slider(key, lo, hi, int(value), key=widget_key)
        step = float(bounds[2]) if len(bounds) > 2 else (float(hi) - float(lo)) / 100.0
        return st.slider(key, float(lo), float(hi), float(np.clip(value, lo, hi)), step=step, key=widget_key)
    return None  # settings without a range (names, flags of other types) keep their default


settings: dict[str, dict] = {}
columns = st.columns(min(len(methods), 3))
for i, method in enumerate(methods):
    estimator = common.COUNTERS[method]
    params = estimator().get_params()
    ranges = getattr(estimator, "param_ranges", {})
    with columns[i % len(columns)].expander(f"{method} settings", expanded=False):
        chosen = {}
        for key, value in params.items():
            widget_value = _slider(method, key, value, ranges.get(key))
            if widget_value is not None and widget_value != value:
                chosen[key] = widget_value
        settings[method] = chosen

video_path = clip.path if "flow" in methods else None
started = time.perf_counter()
try:
    results = common.compare_counters(track, methods=methods, exercise=exercise, settings=settings,
                                      video_path=video_path)  # fmt: skip
except ValueError as exc:
    st.error(f"These settings cannot be used: {exc}")
    st.stop()
elapsed_ms = (time.perf_counter() - started) * 1000

# ---- table of counts ---------------------------------------------------------------------
true_count = st.number_input(
    "True count (if you know it)", min_value=0, value=None, step=1, key="true_count",
    help="Type the number of reps you counted yourself to see each algorithm's error.",
)  # fmt: skip
rows = []
for method, result in results.items():
    row = {"algorithm": method, "count": getattr(result, "count", None),
           "signal": getattr(result, "signal_name", "")}  # fmt: skip
    problem = (getattr(result, "diagnostics", {}) or {}).get("error") or (
        (getattr(result, "diagnostics", {}) or {}).get("unavailable")
    )
    if problem:
        row["note"] = str(problem)
    if true_count is not None and row["count"] is not None:
        row["error"] = int(row["count"]) - int(true_count)
    rows.append(row)
st.dataframe(rows, hide_index=True)
st.caption(f"Counted by {len(results)} algorithm(s) in {elapsed_ms:.0f} ms (no new pose pass).")

# ---- one chart: signals, bottoms, rep spans ----------------------------------------------
fig = go.Figure()
lane_height = 0.06
plotted_signals: dict[str, str] = {}
for i, (method, result) in enumerate(results.items()):
    colour = common.PALETTE[i % len(common.PALETTE)]
    times = np.asarray(getattr(result, "times", []), dtype=float)
    signal = np.asarray(getattr(result, "signal", []), dtype=float)
    if len(signal) == 0 or not np.isfinite(signal).any():
        continue
    lo, hi = np.nanpercentile(signal, [2, 98])
    scaled = (signal - lo) / (hi - lo) if hi > lo else signal * 0
    name = getattr(result, "signal_name", method)
    fig.add_scatter(x=times, y=scaled, mode="lines", name=f"{method}: {name}", line={"color": colour, "width": 1.5},
                    legendgroup=method, hoverinfo="skip", opacity=0.8)  # fmt: skip
    plotted_signals[method] = name
    reps = list(getattr(result, "reps", []))
    if reps:
        bottoms = np.array([r.bottom_s for r in reps])
        fig.add_scatter(
            x=bottoms, y=np.interp(bottoms, times, np.nan_to_num(scaled)), mode="markers",
            name=f"{method} bottoms ({len(reps)})", legendgroup=method,
            marker={"color": colour, "size": 11, "symbol": "circle", "line": {"color": "white", "width": 1}},
            customdata=[[method, k + 1] for k in range(len(reps))],
            hovertemplate="%{customdata[0]} rep %{customdata[1]}<br>bottom %{x:.2f} s<extra></extra>",
        )  # fmt: skip
    y0 = -0.12 - (i + 1) * lane_height
    for rep in reps:
        fig.add_shape(type="rect", x0=rep.start_s, x1=rep.end_s, y0=y0, y1=y0 + lane_height * 0.8,
                      fillcolor=colour, opacity=0.45, line_width=0)  # fmt: skip
        fig.add_vrect(
            x0=rep.start_s, x1=rep.end_s, fillcolor=colour, opacity=0.05, line_width=0, layer="below"
        )
    fig.add_annotation(x=float(track.times[0]), y=y0 + lane_height * 0.4, text=method, showarrow=False,
                       xanchor="right", font={"size": 10, "color": colour})  # fmt: skip
fig.update_layout(
    height=420 + 20 * len(results), margin={"l": 70, "r": 10, "t": 30, "b": 10}, clickmode="event+select",
    legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}, xaxis_title="time (s)",
    yaxis={"title": "signal (scaled)", "range": [-0.12 - (len(results) + 1) * lane_height, 1.1],
           "showticklabels": False},
)  # fmt: skip
event = st.plotly_chart(fig, key="compare_chart", on_select="rerun", selection_mode="points")

# ---- the frame of a clicked rep -----------------------------------------------------------
points = (event or {}).get("selection", {}).get("points", []) if event else []
if points:
    point = points[0]
    chosen_time = float(point["x"])
    label = point.get("customdata")
    caption = f"{label[0]} rep {label[1]}" if label else "selected point"
    image = common.frame_with_skeleton(clip.path, track, chosen_time, max_side=640)
    if image is not None:
        left, _ = st.columns([1, 2])
        left.image(image, caption=f"{caption}: bottom at {chosen_time:.2f} s", width="stretch")
else:
    st.caption("Click a marker (a rep's bottom) to show that frame.")
