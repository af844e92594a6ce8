"""Side by side: two clips at the same rep phase, their counts, and angles over rep-normalised time.

Rep-normalised time maps each rep onto [k, k+1) (k = rep number), so rep 2 of a slow
squat lines up with rep 2 of a fast one and a coach compares the movement, not the tempo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import streamlit as st

from analysis.counting.base import Rep
from analysis.errors import RepLabError
from analysis.landmarks import ANGLE_NAMES
from analysis.moving_parts import different_movements_words, on_seen_side
from analysis.wording import count_words
from pages import charts, clips, common, frames, text, widgets

common.through_the_app()

st.title("Side by side")
st.caption("Two clips next to each other: the same rep at the same phase, and joint angles per rep.")


@dataclass(frozen=True)
class SavedCount:
    """A history entry's own count and reps, as saved (not counted again here)."""

    count: int
    reps: list[Rep]
    exercise: str
    entry: str = ""  # "#3 Ana Lee": whose analysis it is, for the side's heading


def _session_before(saved: list[dict], entry_id: int | None) -> int | None:
    """Side B's first entry: the session before side A's, of the same athlete (and exercise,
    when there is one): "did it improve" is the question. Both sides opened on the newest
    entry, an analysis compared with itself. The second newest entry when A's athlete has
    no earlier session."""
    newest_first = list(reversed(saved))
    a = next((s for s in newest_first if s["id"] == entry_id), newest_first[0])
    earlier = [s for s in newest_first if s["athlete"] == a["athlete"] and s["id"] < a["id"]]
    same_kind = [s for s in earlier if s["exercise"] == a["exercise"]]
    for group in (same_kind, earlier, [s for s in newest_first if s["id"] != a["id"]]):
        if group:
            return group[0]["id"]
    return None


def history_clip(slot: str, container) -> tuple[clips.Clip, SavedCount] | None:
    """A clip saved in the history whose video is still on this machine (a sample or an upload),
    with the count and reps that were saved with it."""
    try:
        saved = common.get_history().sessions(tz=common.viewer_timezone()[0])
    except RepLabError as exc:
        container.error(str(exc))
        return None
    if not saved:
        container.info("Nothing saved yet: save an analysis on the Analyse page first.")
        return None
    # every entry stays listed, those without their video too: hiding them made the box fall
    # back to another athlete's entry, unannounced, when the chosen entry's video went away
    videos = {s["id"]: clips.clip_path_for_hash(s["clip_hash"]) for s in saved}
    # the short fields first: a long name cut off the date, the count and the clip. Whether
    # the video is here stays out of them: in the browser a label that changed (the video
    # uploaded again, or cleared away) swapped the choice for another athlete's entry
    labels = {
        s["id"]: f"#{s['id']} · {s['local_time'][:10]} · {count_words(s['count'], s['exercise'] + ' rep')} · "
        f"{s['athlete']} · {s['clip_name']}"
        for s in reversed(saved)  # newest first, as on the History page
    }
    kept = st.session_state.get(f"keep_hist_{slot}")
    shown_before = st.session_state.get(f"shown_hist_{slot}", kept)  # chosen, or opened on by default
    a_entry = st.session_state.get("_hist_a")
    default = None if slot == "a" else _session_before(saved, a_entry)
    # B follows A's choice until the user picks B's own (it stayed on its first entry, which
    # could then be A's: an analysis compared with itself)
    chosen = widgets.kept_selectbox(
        container, "Saved analysis", list(labels), f"hist_{slot}", default=default, format_func=labels.get,
        default_follows="" if slot == "a" else f"after_{a_entry}",
    )  # fmt: skip
    if shown_before is not None and shown_before not in labels:  # it showed another entry, unannounced
        container.warning(f"Entry #{shown_before} has been deleted: this side shows entry #{chosen} instead.")
        if kept is not None:
            st.session_state[f"keep_hist_{slot}"] = chosen  # said once: the stand-in is now the choice
    st.session_state[f"shown_hist_{slot}"] = chosen
    item = next(s for s in saved if s["id"] == chosen)
    if not videos[chosen]:
        container.warning(
            f"The video of entry #{chosen} ({text.literal(item['athlete'])}, {text.literal(item['clip_name'])}) "
            "is no longer on this machine: upload it again (Sample or upload) to see it side by side."
        )
        return None
    clip = clips.Clip(path=videos[chosen], name=item["clip_name"], kind="history")
    reps = [Rep(float(r["start_s"]), float(r["bottom_s"]), float(r["end_s"])) for r in item["reps"]]
    entry = f"#{chosen} {item['athlete']}"
    return clip, SavedCount(count=int(item["count"]), reps=reps, exercise=item["exercise"], entry=entry)


def pick(slot: str, container) -> tuple[clips.Clip | None, SavedCount | None]:
    source = widgets.kept_radio(
        container, "Source", ["Sample or upload", "History"], f"src_{slot}", horizontal=True
    )
    if source == "History":
        return history_clip(slot, container) or (None, None)
    if clips.records_with_webcam(slot):
        recording_slots.append(slot)
    # the recordings left behind are listed once, under both columns (``offer_left_recordings``)
    return common.clip_picker(slot, container=container, offer_left=False), None


exercise = common.exercise_value(
    widgets.kept_selectbox(st.sidebar, "Exercise", common.exercise_choices(), key="sbs_exercise")
)
columns = st.columns(2)
recording_slots = []  # the sides recording with the webcam
picked = []
for slot, column in zip(("a", "b"), columns):
    with column:
        st.markdown(f"**Clip {slot.upper()}**")
        picked.append(pick(slot, column))
if recording_slots:  # before the pose passes: listed under the pickers while they run
    from pages.webcam import offer_left_recordings  # WebRTC is loaded only by those who record

    offer_left_recordings(st.container(), recording_slots)
sides = []
for slot, column, (clip, saved) in zip(("a", "b"), columns, picked):
    with column:
        track = common.get_track(clip) if clip is not None else None
        if saved is not None:  # a saved analysis shows what was saved, whatever the Exercise box says
            result = saved
        else:
            result = common.count_for(track, exercise) if track is not None else None
        sides.append((slot.upper(), clip, track, result))

# a side is shown when its track is there (a saved analysis whose video fails has a count, no track)
ready = [(letter, c, t, r) for letter, c, t, r in sides if t is not None and r is not None]
if not ready:
    st.info("Choose two clips.")
    st.stop()
if len(ready) == 1:  # one side failed or is not chosen yet: the other is still worth seeing
    shown = ready[0][0]
    st.warning(
        f"Clip {'B' if shown == 'A' else 'A'} cannot be shown (see its column); clip {shown} is shown alone."
    )
elif (ready[0][2].source_hash, getattr(ready[0][3], "entry", "")) == (
    ready[1][2].source_hash, getattr(ready[1][3], "entry", ""),
):  # fmt: skip
    st.info("A and B are the same clip, counted the same way: choose another for one side to compare.")
if len(ready) == 2:  # a squat beside a push-up: their knee curves side by side meant nothing, unsaid
    hint = different_movements_words(*(common.joint_bends(t, r.reps) for _, _, t, r in ready))
    if hint:
        st.warning(hint)

# the angle chart opens on the joint that works in the first clip shown (a curl's elbow, a
# squat's knee on the side the camera sees), until the user picks one
_, _, first_track, first_result = ready[0]
squats = (
    exercise == "squat"
    or getattr(first_result, "exercise", None) == "squat"
    or (exercise is None and common.looks_like_squats(first_track))
)
working = common.chart_parts(first_track, first_result.reps, squat=squats)["angles"][0]
angle = widgets.kept_selectbox(st.sidebar, "Angle", list(ANGLE_NAMES), key="sbs_angle", default=working,
                               default_follows=first_track.content_digest())  # fmt: skip
# each clip's own near side: filmed from opposite sides, one name compared a seen knee with a
# hidden one the model guessed (review X)
seen_sides = widgets.kept_widget(
    st.sidebar.toggle, "Each clip's side the camera sees", "sbs_seen_side", True,
    help="On: a left or right angle is read on whichever side each clip shows better (a lifter filmed "
    "from the left and one from the right both show their near knee). Off: the same side for both.",
)  # fmt: skip


def clip_angle(track) -> str:
    """The angle drawn for ``track``: ``angle``, on the clip's own seen side when asked."""
    return on_seen_side(track, angle) if seen_sides else angle


# up to the longer clip's count: each side shows its own last rep beyond its count
max_reps = max(1, max(len(r.reps) for *_, r in ready))
st.caption("Rep and phase apply to both clips.")
c1, c2 = st.columns(2)
rep_number = widgets.kept_slider(c1, "Rep", 1, max_reps, 1, 1, key="sbs_rep") if max_reps > 1 else 1
moving = widgets.kept_widget(c1.toggle, "Play the two reps, looping", "sbs_play", False,
                             help="The two reps in one player, in step: both start, reach their turning point "
                                  "and end together (the slower plays at its own speed, the other slowed to "
                                  "match). Muted.")  # fmt: skip
# greyed out while the reps play: it stayed active and did nothing (review Q)
phase = widgets.kept_slider(c2, "Phase of the rep (0 = start, 0.5 = turning point, 1 = end)", 0.0, 1.0, 0.5, 0.05,
                            key="sbs_phase", disabled=moving,
                            help="The frame shown on each side; not used while the two reps play.")  # fmt: skip


def rep_normalised(track, reps, values):
    """x = k + phase for frames inside rep k (0-based), NaN elsewhere (breaks the line)."""
    x = np.full(len(track), np.nan)
    for k, rep in enumerate(reps):
        for a, b, p0 in ((rep.start_s, rep.bottom_s, 0.0), (rep.bottom_s, rep.end_s, 0.5)):
            inside = (track.times >= a) & (track.times < b)
            if b > a:
                x[inside] = k + p0 + 0.5 * (track.times[inside] - a) / (b - a)
    keep = np.isfinite(x)
    return x[keep], values[keep]


columns = st.columns(2)
shown_frames = {}  # letter -> (x on the chart, time) of the frame each side shows
playing = []  # (letter, path, track, rep) of each side whose rep plays
for letter, clip, track, result in ready:
    with columns["AB".index(letter)]:  # B stays on the right when A cannot be shown
        whose = f"{result.entry} · " if isinstance(result, SavedCount) and result.entry else ""
        st.metric(text.literal(f"{letter} · {whose}{clip.name}"), count_words(result.count, "rep"))
        common.warn_if_cut_short(track)
        if isinstance(result, SavedCount):
            st.caption(
                f"As saved ({result.exercise}); the Exercise box applies to clips, not saved analyses."
            )
        if not result.reps:
            st.info("No reps found in this clip.")
            continue
        own_number = min(rep_number, len(result.reps))  # this clip's last rep when it has fewer
        rep = result.reps[own_number - 1]
        fewer = f" (its last; it has {len(result.reps)})" if own_number < rep_number else ""
        if moving:
            playing.append((letter, clip.path, track, rep))
            st.caption(
                f"rep {own_number}{fewer}, {rep.start_s:.2f}-{rep.end_s:.2f} s ({rep.end_s - rep.start_s:.1f} s)"
            )
            continue
        t = rep.time_at_phase(phase)
        shown_frames[letter] = (own_number - 1 + phase, t)
        image = frames.frame_with_skeleton(clip.path, track, t, max_side=560)
        if image is not None:
            frames.show_frame(st, image, f"rep {own_number}{fewer} at {t:.2f} s", max_height=520)

if len(playing) == 2:  # one player, both reps in step
    frames.loop_reps_in_step(
        st, [(path, track, rep) for _, path, track, rep in playing], [p[0] for p in playing]
    )
    st.caption("Both reps in step: they start, reach their turning point and end together.")
elif playing:  # one side only: its rep at its own speed
    (letter, path, track, rep), column = playing[0], columns["AB".index(playing[0][0])]
    frames.loop_rep(column, path, track, rep.start_s, rep.end_s)

fig = charts.line_chart(height=340)
for letter, clip, track, result in ready:  # each side keeps its letter, colour and dash, alone or not
    side = "AB".index(letter)
    own_angle = clip_angle(track)
    values = charts.angle_series(track, own_angle)
    x, y = rep_normalised(track, result.reps, values)
    fig.add_scatter(x=x, y=y, mode="markers+lines", name=f"{letter}: {clip.name}, {own_angle}", marker={"size": 3},
                    line={"color": charts.PALETTE[side], "dash": charts.DASHES[side], "width": 1.5})  # fmt: skip
    if letter in shown_frames:  # where the frame above sits on the curve (its own rep when it has fewer)
        at, t = shown_frames[letter]
        fig.add_scatter(x=[at], y=[values[track.frame_at(t)]], mode="markers", showlegend=False,
                        name=f"{letter}: frame shown", hovertemplate=f"{letter}: frame shown, %{{y:.0f}}°",
                        marker={"size": 12, "symbol": "circle-open", "color": charts.PALETTE[side],
                                "line": {"width": 2.5}})  # fmt: skip
fig.update_yaxes(
    range=charts.angle_axis_range([charts.angle_series(t, clip_angle(t)) for _, _, t, _ in ready])
)
# rep k is drawn over [k - 1, k): the ticks name the reps as the Rep slider does (a bare "1" under
# the end of rep 1 read as rep 1, and rep 2's turning point sat at "1.5"); faint lines mark where
# one rep ends and the next starts
fig.update_xaxes(
    tickvals=[k + 0.5 for k in range(max_reps)], ticktext=[f"rep {k + 1}" for k in range(max_reps)],
    showgrid=False, minor={"tickvals": list(range(max_reps + 1)), "showgrid": True},
)  # fmt: skip
# the axis title in two lines: in one, its end ran off a phone's chart ("... its turning point in the m")
fig.update_layout(
    xaxis_title="each rep from its start to its end,<br>its turning point in the middle", yaxis_title=f"{angle.partition('_')[2] if seen_sides and angle.startswith(('left_', 'right_')) else angle} (degrees)",
    showlegend=True,  # with one line drawn (a side without reps), whose it is was not said
)  # fmt: skip
st.plotly_chart(fig, key="sbs_chart")
st.caption(
    "Videos saved from uploads live in the temp folder "
    f"({os.path.basename(str(clips.UPLOAD_DIR))}); history entries whose video is gone cannot be shown here."
)
