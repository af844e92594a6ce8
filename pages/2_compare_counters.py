"""Compare counters: several counting algorithms on one cached track, tuned live."""

from __future__ import annotations

import math
import re
import time

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from analysis.counting import COUNTERS, compare_counters, flow_signal, prepare_signal
from analysis.counting.words import COUNTER_WORDS, SETTING_LABELS, hysteresis_share_label, signal_words
from analysis.errors import RepLabError
from analysis.wording import count_words
from pages import charts, common, frames, widgets

common.through_the_app()

st.title("Compare counting algorithms")
st.caption(
    "Every algorithm re-counts the cached pose track: moving a slider never re-runs the pose model. "
    "Click a rep's marker to see its frame."
)

clip, track = common.current_clip_and_track()

names = list(COUNTERS)
exercise = common.exercise_box()  # the Analyse page's own choice (one kept value)
default_methods = [n for n in names if n != "flow"] or names
methods = widgets.kept_widget(
    st.multiselect, "Algorithms", "compare_methods", default_methods, "default", options=names,
    help="\n".join(f"- **{name}** {COUNTER_WORDS.get(name, '')}" for name in names),
)  # fmt: skip
if not methods:
    st.info("Choose at least one algorithm.")
    st.stop()


POLARITIES = ["auto", "min", "max"]


def _label(key: str) -> str:
    return f"{SETTING_LABELS[key]} · {key}" if key in SETTING_LABELS else key


def _plain_help(text: str | None) -> str | None:
    """An estimator's description of a setting, without the code it points to: a
    parenthesised reference to a function or file goes, another setting's keyword is
    named in words, "None =" reads "Automatic:"."""
    if not text:
        return text

    def code(match) -> str:  # "(the active stretch, ``active.py``)" -> "(the active stretch)"
        return match.group(0) if match.group(2) in SETTING_LABELS else ")"

    text = re.sub(r"(,?\s*)``([\w.]+)``\)", code, text)
    text = re.sub(r"\s*\(\)", "", text)  # what is left of "(``estimate_period``)"
    text = re.sub(r"``(\w+)``", lambda m: f"'{SETTING_LABELS.get(m.group(1), m.group(1))}'", text)
    text = text.replace("(None = auto)", "(automatic unless set by hand)").replace("None = ", "Automatic: ")
    return text.replace("' is None", "' is automatic")


def _widget(
    scope: str,
    method: str,
    key: str,
    value,
    bounds,
    help_text: str | None = None,
    auto_value=None,
    words=None,
):
    """A widget for one estimator setting, built from its effective value and its range.

    Returns the chosen value, or ``_KEEP`` while the widget still shows the setting the
    counter chose. Settings whose default is None are automatic (set from the signal): a
    checkbox lets the user take them over with a slider. ``scope`` (the track's content
    and the exercise) is part of every widget's key: Streamlit keeps a keyed widget's value
    when only its default changes, so without it the sliders of the previous clip or
    exercise would be applied to this one, unasked. ``auto_value``: what the counter chose
    for an automatic setting on this signal; a slider taking it over starts there. ``words``:
    the label's words instead of the setting's usual ones (its keyword stays).
    """
    widget_key = f"param_{scope}_{method}_{key}"
    label = f"{words} · {key}" if words else _label(key)
    if key == "polarity":
        choice = widgets.kept_selectbox(st, label, POLARITIES, key=widget_key, default=value,
                                        help=help_text or "Where the rep's turning point is on the signal.")  # fmt: skip
        return _KEEP if choice == value else choice
    if isinstance(value, bool):
        checked = widgets.kept_widget(st.checkbox, label, widget_key, value, help=help_text)
        return _KEEP if checked == value else checked
    if bounds is None or not (value is None or isinstance(value, int | float)):
        return _KEEP  # names and settings without a range keep their default
    lo, hi = bounds[0], bounds[1]
    if value is None:
        known = isinstance(auto_value, int | float) and math.isfinite(auto_value)
        chosen_now = f" (now {auto_value:.3g})" if known else ""
        if not widgets.kept_widget(
            st.checkbox,
            f"{label}: set by hand",
            f"{widget_key}_manual",
            False,
            help=f"Unticked, the counter chooses it from the signal{chosen_now}. " + (help_text or ""),
        ):
            return _KEEP
        start = min(max(float(auto_value), lo), hi) if known else (lo + hi) / 2  # from what was used
        return _slider(label, lo, hi, start, bounds, widget_key, help_text)
    lo, hi = min(lo, value), max(hi, value)  # a preset's threshold may lie outside the signal's span
    chosen = _slider(label, lo, hi, value, bounds, widget_key, help_text)
    step = 1 if isinstance(chosen, int) else _step(lo, hi, bounds)
    return _KEEP if abs(chosen - value) <= step / 2 else chosen


def _step(lo, hi, bounds) -> float:
    """About a hundredth of the range, rounded to 1, 2 or 5 x a power of ten: a step of
    0.0085 showed 0.47 on the slider and "prominence_ratio=0.4665" in the table."""
    if len(bounds) > 2:
        return float(bounds[2])
    raw = max((float(hi) - float(lo)) / 100.0, 1e-9)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(round(m * power, 12) for m in (1, 2, 5, 10) if m * power >= raw * 0.999)


def _slider(label: str, lo, hi, value, bounds, widget_key: str, help_text: str | None = None):
    if isinstance(value, int) and isinstance(lo, int) and isinstance(hi, int):
        return widgets.kept_widget(
            st.slider, label, widget_key, value, min_value=lo, max_value=hi, help=help_text
        )
    return widgets.kept_widget(st.slider, label, widget_key, float(value), min_value=float(lo), max_value=float(hi),
                               step=_step(lo, hi, bounds), help=help_text)  # fmt: skip


_KEEP = object()


@st.cache_data(show_spinner=False, max_entries=32)
def _signal(track_digest: str, exercise: str | None, _track):
    return prepare_signal(_track, exercise)


def _flow(clip_path: str, track_digest: str, _track):
    """Optical flow reads every frame again (seconds); kept per track for the session
    (the flow is measured inside the person's box, which comes from the track)."""
    store = st.session_state.setdefault("flow_signals", {})
    if track_digest not in store:
        with st.spinner("Measuring optical flow in the person's box (reads every frame once) ..."):
            store[track_digest] = flow_signal(clip_path, _track)
    return store[track_digest]


try:
    signal = _signal(track.content_digest(), exercise, track)
except (ValueError, RepLabError) as exc:
    st.error(f"No signal to count on: {exc}")
    st.stop()
flow = None
if "flow" in methods:
    try:
        flow = _flow(clip.path, track.content_digest(), track)
    except (ValueError, RepLabError) as exc:
        st.warning(f"The optical-flow counter cannot run on this clip: {exc}")
# Effective settings (some are chosen from the signal, e.g. polarity) seed the widgets.
defaults = compare_counters(track, methods=methods, exercise=exercise, signal=signal, flow=flow)

settings: dict[str, dict] = {}
scope = f"{track.content_digest()[:16]}_{exercise or 'auto'}"
# two columns: three left each panel about 177 px on a 1024-px laptop with the sidebar open,
# labels wrapping over five lines above 130-px sliders (review Q)
columns = st.columns(min(len(methods), 2))
for i, method in enumerate(methods):
    estimator = COUNTERS[method]
    params = defaults[method].params or estimator().get_params()
    # bounds measured on the signal actually counted (a principal component is not in degrees)
    ranges = defaults[method].param_ranges or getattr(estimator, "param_ranges", {})
    docs = estimator.param_docs()  # each setting's meaning, from the estimator's docstring
    # keyed: without a key a panel's identity moved with whatever was drawn above it (the
    # pose pass's progress bar, on the first run only), and the first click folded them all
    with columns[i % len(columns)].expander(f"{method} settings", expanded=False, key=f"settings_{method}"):
        st.caption(f"**{method}** {COUNTER_WORDS.get(method, '')}")
        # a reset gives the panel's widgets new keys: with the same keys the browser sent the
        # old values back on the next click, and the settings returned
        generation_key = f"settings_generation_{scope}_{method}"
        in_use_key = f"in_use_{scope}_{method}"
        if st.button("Back to the automatic settings", key=f"reset_{scope}_{method}"):
            st.session_state[generation_key] = st.session_state.get(generation_key, 0) + 1
            st.session_state.pop(in_use_key, None)
            st.rerun()
        panel_scope = f"{scope}_{st.session_state.get(generation_key, 0)}"
        chosen = {}
        # what the counter chose on the last run, with the settings then in use: ticking "set by
        # hand" starts there. The defaults' choice ignored the other sliders (with the down
        # threshold share at 0.20, "down below" took over the 0.35 line and the lines jumped)
        auto = st.session_state.get(in_use_key) or defaults[method].diagnostics
        for key, value in params.items():
            # with a hysteresis line set by hand, its shares set only the gap (said in their label)
            hand_lines = (
                sum(line in chosen for line in ("down_below", "up_above")) if method == "hysteresis" else 0
            )
            widget_value = _widget(panel_scope, method, key, value, ranges.get(key), _plain_help(docs.get(key)),
                                   auto_value=auto.get(key), words=hysteresis_share_label(key, hand_lines))  # fmt: skip
            if widget_value is not _KEEP:
                chosen[key] = widget_value
        settings[method] = chosen

started = time.perf_counter()
results = compare_counters(
    track, methods=methods, exercise=exercise, settings=settings, signal=signal, flow=flow
)
elapsed_ms = (time.perf_counter() - started) * 1000
for method, result in results.items():  # the automatic settings in use, for the next run's widgets
    st.session_state[f"in_use_{scope}_{method}"] = dict(result.diagnostics)

# ---- table of counts ---------------------------------------------------------------------
true_count = widgets.kept_widget(  # the clip's own true count: another clip starts empty
    st.number_input, "True count (if you know it)", f"true_count_{track.source_hash[:16]}", None,
    min_value=0, step=1, help="Type the number of reps you counted yourself to see each algorithm's error.",
)  # fmt: skip
rows = []
for method, result in results.items():
    row = {"algorithm": method, "count": result.count,
           # three significant digits, as the sliders show them ("down_below=-0.245824" was cut off)
           "changed": ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                for k, v in settings.get(method, {}).items())}  # fmt: skip
    if true_count is not None and row["count"] is not None:
        row["error"] = int(row["count"]) - int(true_count)
    if result.error:
        row["note"] = result.error
    elif result.count == 0:  # why, not a bare 0
        row["note"] = result.diagnostics.get("none_because", "")
    # last: the same long name in every row pushed "changed" off a phone's screen (review Q)
    row["signal"] = result.signal_name
    rows.append(row)
st.dataframe(rows, hide_index=True, column_config={"signal": st.column_config.TextColumn(
    help="What the algorithm counted on: a named exercise's joint angle or landmark height, or with 'auto' "
         "a principal component (pcN) of the whole body's movement, said under the table.")})  # fmt: skip
# "pc2 of normalised pose" had stood in the table with no word on what it is (review O)
for words in dict.fromkeys(filter(None, (signal_words(r.signal_name) for r in results.values()))):
    st.caption(words)
st.caption(f"Counted by {count_words(len(results), 'algorithm')} in {elapsed_ms:.0f} ms (no new pose pass).")

# ---- one chart: the signal on top, one lane per algorithm below -------------------------
# Each lane shows that algorithm's rep spans (shaded) and turning points (markers, clickable), so
# algorithms that agree do not hide each other's markers.
fig = go.Figure()
# a shape per algorithm as well as a colour; the lanes' names in the text colour (a palette
# colour as text was 2.3-3.4:1 on white)
SYMBOLS = ("diamond", "circle", "square", "triangle-up", "star", "hexagon", "cross", "x")
lane = 0.09
signals_drawn: dict[str, tuple[float, float]] = {}  # signal name -> the (low, high) it is scaled by
shapes, notes = [], []  # added in one go after the loop (``charts.add_shapes``: one by one costs N squared)
for i, (method, result) in enumerate(results.items()):
    colour = charts.PALETTE[i % len(charts.PALETTE)]
    times = np.asarray(result.times, dtype=float)
    values = np.asarray(result.signal, dtype=float)
    if len(values) and np.isfinite(values).any() and result.signal_name not in signals_drawn:
        lo, hi = np.nanpercentile(values, [2, 98])
        signals_drawn[result.signal_name] = (float(lo), float(hi))
        scaled = (values - lo) / (hi - lo) if hi > lo else values * 0
        scaled = np.clip(scaled, -0.02, 1.06)  # its spikes ran down into the algorithms' lanes
        # the flow is a speed, not a position: its reps turn where it crosses zero, at no peak
        name = result.signal_name + (
            " (a speed, not a position: a rep turns where it changes sign)" if method == "flow" else ""
        )
        charts.add_line(fig, times, scaled, mode="lines", name=name, hoverinfo="skip",
                        line={"color": "#555" if len(signals_drawn) == 1 else colour, "width": 1.5})  # fmt: skip
    # the hysteresis counter's two lines, where its thresholds (in signal units, set by hand
    # or chosen from the signal) cross the signal drawn above
    if method == "hysteresis" and result.signal_name in signals_drawn:
        lo, hi = signals_drawn[result.signal_name]
        for key, words in (("down_below", "down below"), ("up_above", "up above")):
            level = result.diagnostics.get(key)
            if isinstance(level, int | float) and math.isfinite(level) and hi > lo:
                shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": (level - lo) / (hi - lo),
                               "y1": (level - lo) / (hi - lo), "line": {"color": colour, "dash": "dot", "width": 1.5}})  # fmt: skip
                notes.append({"xref": "paper", "x": 1, "y": (level - lo) / (hi - lo), "text": f"hysteresis: {words}",
                              "showarrow": False, "xanchor": "right", "yanchor": "bottom",
                              "font": {"size": 11, "color": charts.TEXT_COLOUR}})  # fmt: skip
    centre = -0.08 - (i + 0.5) * lane
    for rep in result.reps:
        # a white edge: reps that meet (one's end is the next one's start) read as one long bar
        shapes.append({"type": "rect", "x0": rep.start_s, "x1": rep.end_s, "y0": centre - lane * 0.38,
                       "y1": centre + lane * 0.38, "fillcolor": colour, "opacity": 0.35,
                       "line": {"color": "white", "width": 2}})  # fmt: skip
    if result.reps:
        fig.add_scatter(
            x=[r.bottom_s for r in result.reps], y=[centre] * len(result.reps), mode="markers",
            name=f"{method} ({result.count})",
            marker={"color": colour, "size": 12, "symbol": SYMBOLS[i % len(SYMBOLS)],
                    "line": {"color": "white", "width": 1}},
            customdata=[[method, k + 1] for k in range(len(result.reps))],
            hovertemplate="%{customdata[0]} rep %{customdata[1]}<br>turning point %{x:.2f} s<extra></extra>",
            unselected={"marker": {"opacity": 0.7}},
        )  # fmt: skip
    notes.append({"x": 0, "xref": "paper", "y": centre, "text": f"{method} ({result.count})", "showarrow": False,
                  "xanchor": "right", "font": {"size": 11, "color": charts.TEXT_COLOUR}})  # fmt: skip
charts.add_shapes(fig, shapes, notes)
fig.update_layout(
    height=360 + 34 * len(results), margin={"l": 110, "r": 10, "t": 30, "b": 10}, clickmode="event+select",
    legend=charts.BELOW, xaxis_title="time (s)",
    yaxis={"range": [-0.1 - len(results) * lane, 1.08], "showticklabels": False, "zeroline": False},
)  # fmt: skip
event = st.plotly_chart(fig, key="compare_chart", on_select="rerun", selection_mode="points")
# said here, not as the y axis's title, which ran over the first lane's name
st.caption(
    "Top: the signal counted, scaled to its 2nd-98th percentile. Below: one lane per algorithm, "
    "its reps shaded and their turning points as markers, one shape per algorithm (a squat's bottom, a curl's top; the "
    "library and the exports call it bottom_s). Click one to see that frame."
)

# ---- the frame of a clicked rep -----------------------------------------------------------
points = (event or {}).get("selection", {}).get("points", []) if event else []
# the same without a mouse: the chart's markers cannot be reached with the keyboard (review R)
found = [(method, k + 1) for method, result in results.items() for k in range(len(result.reps))]
picked = st.selectbox(
    "Or pick a rep", [None, *found], key=f"compare_pick_{scope}",
    format_func=lambda pick: "none" if pick is None else (
        f"{pick[0]} rep {pick[1]} (turning point {results[pick[0]].reps[pick[1] - 1].bottom_s:.2f} s)"),
)  # fmt: skip
if not points and picked is not None:
    points = [{"x": results[picked[0]].reps[picked[1] - 1].bottom_s, "customdata": list(picked)}]
if points:
    point = points[0]
    chosen_time = float(point["x"])
    label = point.get("customdata")
    caption = f"{label[0]} rep {label[1]}" if label else "selected point"
    image = frames.frame_with_skeleton(clip.path, track, chosen_time, max_side=640)
    frame_col, player_col = st.columns(2)
    if image is not None:
        frames.show_frame(
            frame_col, image, f"{caption}: turning point at {chosen_time:.2f} s", max_height=480
        )
    if label and label[0] in results and 0 < int(label[1]) <= len(results[label[0]].reps):
        rep = results[label[0]].reps[int(label[1]) - 1]  # the rep as that algorithm found it, playing
        frames.loop_rep(player_col, clip.path, track, rep.start_s, rep.end_s, max_height=480)
        player_col.caption(f"{caption} as found: {rep.start_s:.2f}-{rep.end_s:.2f} s, looping")
else:  # a touch screen's first tap on a chart is a hover (Plotly selects the point hovered before)
    st.caption(
        "Click a marker (a rep's turning point), or pick a rep in the list above, to show that frame and watch that rep. "
        "On a touch screen, tap the marker twice: the first tap shows its label."
    )
