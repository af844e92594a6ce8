"""Squat form: a verdict per rep (good, or which fault) with its reason and bottom frame."""

from __future__ import annotations

import contextlib
import io
import os

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from analysis.counting import EXERCISE_PRESETS
from analysis.errors import RepLabError
from analysis.files import for_spreadsheets
from analysis.form import p_good_threshold, write_verdicts_csv
from analysis.form.verdict import (
    MIN_SQUAT_KNEE_BEND,
    judged_and_not,
    reps_by_view,
    squats_only,
)
from analysis.strictness import DEFAULT_STRICTNESS
from analysis.wording import count_words, format_p_good, rep_numbers_words
from pages import charts, common, frames, reports, text, widgets

REPORT_FRAME_SIDE = 480  # the rep cards' frames and the report's, so one reading serves both

common.through_the_app()

st.title("Squat form")
st.caption(
    "One verdict per squat rep from the rep's joint angles and length ratios. A fault is only raised "
    "from features the camera view can show (knees caving needs a front view; trunk lean a side view)."
)

clip, track = common.current_clip_and_track()

strictness = widgets.kept_slider(
    st.sidebar, "Strictness", 0.0, 1.0, DEFAULT_STRICTNESS, 0.05, key="strictness",
    help="Higher = a rep needs a higher probability of good form to pass.",
)  # fmt: skip
result = common.count_for(track, "squat" if "squat" in EXERCISE_PRESETS else None)
reps = list(result.reps)
if not reps and (moved := result.swung_too_little):
    st.info(
        f"Counted on the knee angle, the clip shows {count_words(len(moved), 'movement')}, and none looks "
        f"like a squat: none bends the knees by {result.min_swing:.0f}°. Form "
        "verdicts are for squats; the count of any exercise is on the Analyse page."
    )
    st.stop()
if not reps:
    st.info("No squat reps were found in this clip, so there is nothing to judge.")
    st.stop()
try:
    verdicts = common.verdicts_for(track, reps, strictness)
except RepLabError as exc:
    st.error(str(exc))
    st.stop()

# squats are counted as the History saves them: movements found not to be squats apart
_, _, others = squats_only(reps, verdicts)
if len(others) == len(verdicts):
    st.info(
        f"Counted on the knee angle, the clip shows {count_words(len(verdicts), 'movement')}, "
        "and none looks like a squat: the knees bend less than "
        f"{MIN_SQUAT_KNEE_BEND:.0f}° and the hips barely come down. Form verdicts are for squats; "
        "the count of any exercise is on the Analyse page."
    )
    st.stop()
good = sum(1 for v in verdicts if v.good)
judged = sum(1 for v in verdicts if v.judged)
squat_count = len(verdicts) - len(others)
c1, c2, c3 = st.container(key="summary_form").columns(3)  # three a row on a phone too (app.py)
c1.metric("Squats", squat_count, help="Counted on the knee angle (the squat preset), less any movement the "
          "form check found not to be a squat.")  # fmt: skip
if others:
    st.caption(
        f"Not counted: {count_words(len(others), 'movement')} on the knee angle that "
        f"{'is' if len(others) == 1 else 'are'} not a squat ({rep_numbers_words([v.index + 1 for v in others])} "
        f"below, which {'says' if len(others) == 1 else 'say'} why)."
    )
automatic = common.count_for(track).count
if automatic != squat_count:  # the Analyse page shows the automatic count by default
    st.caption(
        f"Counted as squats on the knee angle: {count_words(squat_count, 'squat')}. The automatic count, "
        f"which needs no exercise name (the Analyse page's default), finds {automatic}."
    )
c2.metric("Good reps", f"{good} of {judged}", help="Of the reps judged (not those too unclear to judge).")
by_view = reps_by_view(verdicts)  # in order of appearance
c3.metric("Camera view", " / ".join(by_view))
for rep_view, its_reps in by_view.items():  # a camera cut: each rep is judged for its own view
    yes, no = judged_and_not(its_reps)
    whose = "" if len(by_view) == 1 else f" ({rep_numbers_words([v.index + 1 for v in its_reps])})"
    st.markdown(
        f"**Trusted from a {rep_view} view{whose}:** {', '.join(yes) or 'none'}"
        + (f"  \n**Not judged from this view:** {', '.join(no)}" if no else "")
    )
if len(by_view) > 1:
    st.caption("The camera changes angle: each rep is judged for the view it was filmed from.")

threshold = p_good_threshold(strictness)


def _bar_words(verdict) -> str:
    if verdict.good:
        return "good"
    if len(verdict.faults) > 1:  # only the model's label had shown: "no depth" for "no depth, knees caving"
        return f"{verdict.faults[0]} +{len(verdict.faults) - 1}"
    return verdict.verdict_words


# an unjudged rep ("not a squat", "unknown") has no P(good): a short grey stub, so its bar can
# still be clicked to watch it (at 0 it had no height to click, review H)
UNJUDGED_STUB = 0.04
p_values = [v.p_good if np.isfinite(v.p_good) else UNJUDGED_STUB for v in verdicts]
colours = [charts.GOOD_COLOUR if v.good else (charts.UNJUDGED_COLOUR if not np.isfinite(v.p_good) else charts.FAULT_COLOUR)
           for v in verdicts]  # fmt: skip
# colour is not the only cue: a fault's bar is hatched (and every bar's verdict is written under it)
hatches = ["" if v.good or not np.isfinite(v.p_good) else "x" for v in verdicts]
bar_names = [f"rep {v.index + 1}<br>{_bar_words(v)}" for v in verdicts]
fig = go.Figure(
    go.Bar(
        # each verdict is written under its bar, on the axis: written above the bar, a label
        # near the dotted line was struck through by it
        # short: "good" (the style, "powerlifting squat", is in the hover and the card), so
        # thirteen bars' labels stay readable
        # a rep with several faults: the first and how many more ("no depth +1"); all in the hover
        x=bar_names, y=p_values,
        marker_color=colours, marker_pattern={"shape": hatches, "fillmode": "overlay", "fgcolor": "white"},
        customdata=[[v.index + 1, ", ".join(v.faults) or v.verdict_words, format_p_good(v.p_good)]
                    for v in verdicts],
        hovertemplate="rep %{customdata[0]}: %{customdata[1]}<br>p(good) %{customdata[2]}<extra></extra>",
    )
)  # fmt: skip
fig.add_hline(y=threshold, line_dash="dot", line_color="grey", layer="below")
fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 30, "b": 10}, bargap=0.5, clickmode="event+select",
                  yaxis={"range": [0, 1.05], "title": "probability of good form"},
                  xaxis={"tickfont": {"color": charts.TEXT_COLOUR}})  # fmt: skip
numbering = ""  # said under the chart when the axis numbers the reps in steps
if len(verdicts) > charts.MAX_REP_LABELS:  # 78 bars' "rep 12 / good" labels ran into one another
    numbered = charts.numbered_reps(len(verdicts))
    fig.update_xaxes(tickmode="array", tickvals=[bar_names[i] for i in numbered], title="rep",
                     ticktext=[str(verdicts[i].index + 1) for i in numbered], tickangle=0)  # fmt: skip
    numbering = (f" The reps are numbered in steps of {charts.rep_label_step(len(verdicts))}; point at a bar for "
                 "its verdict (blue: good; orange, hatched: a fault; grey: not judged).")  # fmt: skip
event = st.plotly_chart(fig, key="verdict_chart", on_select="rerun", selection_mode="points")
# where the slider is: on a phone the sidebar is folded away (review Q)
st.caption(
    f"Dotted line: the p(good) a rep needs, {threshold:.2f}, at strictness {strictness:.2f} (the slider in the sidebar)."
    + numbering
)
picked = [
    p["point_index"] for p in (event or {}).get("selection", {}).get("points", []) if "point_index" in p
]
# the same without a mouse: a chart's bars cannot be reached with the keyboard or a screen reader
# (review R); keyed by the clip, so another clip's rep 12 is never asked of a clip of three
chosen_rep = st.selectbox(
    "Watch a rep in a loop", [None, *range(len(verdicts))], key=f"form_watch_rep_{track.content_digest()[:16]}",
    format_func=lambda i: "none" if i is None else f"rep {verdicts[i].index + 1}: {verdicts[i].verdict_words}",
)  # fmt: skip
if not picked and chosen_rep is not None:
    picked = [chosen_rep]
if picked and 0 <= picked[0] < len(verdicts):  # the clicked rep, in motion, over and over
    verdict = verdicts[picked[0]]
    player, words = st.columns([1, 2])
    frames.loop_rep(player, clip.path, track, verdict.start_s, verdict.end_s)
    words.markdown(f"**Rep {verdict.index + 1}** ({verdict.start_s:.2f}-{verdict.end_s:.2f} s), looping: "
                   f"**{verdict.verdict_words}**, p(good) {format_p_good(verdict.p_good)}")  # fmt: skip
    words.write(verdict.reason)
    words.caption("Click another bar, or pick a rep in the list above, to watch that rep instead.")
else:  # a touch screen's first tap on a chart is a hover (Plotly selects the point hovered before)
    st.caption(
        "Click a rep's bar, or pick a rep in the list above, to watch that rep in a loop. On a touch screen, "
        "tap the bar twice: the first tap shows its label."
    )
stem = text.file_stem(os.path.splitext(clip.name)[0])  # a '"' in the name broke the download
table = io.StringIO()
write_verdicts_csv(verdicts, table)
csv_col, report_col, _ = st.columns([1, 1, 3])
csv_col.download_button(
    "Verdicts (CSV)", for_spreadsheets(table.getvalue()), file_name=f"{stem}_form.csv", mime="text/csv",
    help="One row per rep: times, verdict, P(good), faults, reason and the measures behind them.",
)  # fmt: skip
# the clip's frames read so far at the cards' size: the report is made from them on its click
kept_frames = frames.read_frames(clip.path, [], REPORT_FRAME_SIDE)
reports.report_download(report_col, clip, track, verdicts, strictness, stem, kept_frames)

carded = list(range(len(verdicts)))  # positions in ``verdicts``
if len(verdicts) > common.MANY_REPS:  # a long set opens on the reps a coach looks at first
    everyone = f"all {len(verdicts)} reps"
    cards = widgets.kept_radio(
        st, "Rep cards", ["reps with a fault or not judged", "all reps"], key="form_cards", horizontal=True,
        format_func=lambda option: everyone if option == "all reps" else option,
    )  # fmt: skip
    if cards != "all reps":
        carded = [k for k, v in enumerate(verdicts) if not v.good]
        st.caption(
            f"{count_words(len(carded), 'rep')} of {len(verdicts)} with a fault or not judged"
            + ("" if carded else ": every rep was judged good")
            + f". Choose {everyone} to see every rep's card."
        )
bottoms = [verdict.judged_bottom_s for verdict in verdicts]
shown = [bottoms[k] for k in carded]
with st.spinner("Reading each rep's frame from the clip ..."):
    images = dict(
        zip(carded, frames.frames_with_skeleton(clip.path, track, shown, max_side=REPORT_FRAME_SIDE))
    )
per_row = 3
for start in range(0, len(carded), per_row):
    columns = st.columns(per_row)
    for column, k in zip(columns, carded[start : start + per_row]):
        verdict, bottom, image = verdicts[k], bottoms[k], images[k]
        with column.container(border=True):
            # blue and red stay apart with red-green colour blindness; a rep not judged is in the
            # text colour (Streamlit's grey was 3.7:1 on white)
            words = f"**{verdict.verdict_words}**"
            if np.isfinite(verdict.p_good):
                words = f":{'blue' if verdict.good else 'red'}[{words}]"
            st.markdown(f"**Rep {verdict.index + 1}** · {words} · p(good) {format_p_good(verdict.p_good)}")
            if image is not None:
                frames.show_frame(st, image, f"deepest at {bottom:.2f} s (the frame judged)", max_height=380)
            st.write(verdict.reason)
            if verdict.faults:
                st.caption("Faults: " + ", ".join(verdict.faults))

# then the other reps' frames, kept for the report and for the cards another strictness shows
# (each step had read its cards' frames again: 2.5 s, review AQ). Last, so the cards come
# first; a strictness step meanwhile stops the reading at the next frame, keeping what was read
not_shown = [bottom for k, bottom in enumerate(bottoms) if k not in images]
if not_shown and not set(not_shown) <= kept_frames.keys():
    note = st.empty()
    with contextlib.suppress(RepLabError):  # a moment that cannot be read: the report tries at its click
        frames.read_frames(
            clip.path, not_shown, REPORT_FRAME_SIDE,
            progress=lambda done, total: note.caption(
                f"Reading the other reps' frames for the report: {done} of {total} ..."
            ),
        )  # fmt: skip
    note.empty()
