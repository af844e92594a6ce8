"""Analyse: one clip in; pose, rep count, charts, exports and save-to-history out."""

from __future__ import annotations

import functools
import io
import json
import os
from pathlib import Path

import streamlit as st

from analysis.counting import EXERCISE_PRESETS
from analysis.counting.presets import turn_word
from analysis.counting.words import signal_words
from analysis.errors import RepLabError
from analysis.form.verdict import squats_only
from analysis.landmarks import ANGLE_NAMES, LANDMARK_NAMES
from analysis.render import remove_stale_renders, render_annotated_video, render_file_name, reused_render
from analysis.report import reps_export
from analysis.saving import ALREADY_SAVED, NoAthleteError, NotSquatsError, counting_exercise, save_analysis
from analysis.wording import count_words, rep_numbers_words
from pages import clips, common, frame_steps, frames, text, widgets

common.through_the_app()

st.title("Analyse a workout clip")
st.caption(
    "Counts reps of any up-and-down exercise; squats also get a form verdict per rep (Squat form page)."
)

clip = common.clip_picker("main")
exercise = common.exercise_box()
is_squat = exercise == "squat"  # squats get form verdicts (the summary, the video, the save)
if clip is None:
    st.stop()

clip, track = common.track_or_previous(clip)
if track is None:
    st.stop()

result = common.count_for(track, exercise)
reps = list(result.reps)
# the page's verdicts, once, for the summary, the annotated video and the reps export
verdicts, no_verdicts = None, None
if is_squat and reps:
    try:
        verdicts = common.verdicts_for(track, reps)
    except (RepLabError, ValueError) as exc:
        no_verdicts = str(exc)
# on automatic: whether the clip shows squats (a suggestion here, the save form's default)
shows_squats = exercise is None and common.looks_like_squats(track)

# ---- summary -----------------------------------------------------------------------------
st.subheader(text.literal(clip.name))
common.summary_row(track, reps_counted=result.count)
common.warn_if_cut_short(track)
if track.detection_rate < 0.5:
    st.warning(
        f"A person was found in only {track.detection_rate:.0%} of the frames: counts and verdicts may "
        "miss reps. Film the whole body, well lit, from a steady camera."
    )
digest = track.content_digest()  # once a run: about 12 ms for a 10-minute track
# the annotated video draws this track's skeleton (another model's track of the same clip
# differs) and, for squats, the verdicts
# the strictness too: a squat's video carries its verdicts, judged at the Squat form page's strictness
render_key = ("annotated", digest, exercise, tuple((r.start_s, r.end_s) for r in reps),
              common.form_strictness() if is_squat else None)  # fmt: skip
table_key = f"rep_table_{track.source_hash}"
annotated = st.session_state.get("renders", {}).get(render_key)


@st.fragment
def frame_column(clip, track, reps, table_key: str) -> None:
    """The frame shown, its slider, time box and step buttons.

    A fragment: a frame step (a button, the slider, a time typed) reruns only this column.
    The whole page took 1.4-2.8 s a step on a 3-minute clip, most of it the browser drawing
    both charts anew (review AO); a pick in the rep table or on a chart still reruns the page.
    """
    # The frame is kept under a key of its own. The slider's widget state is dropped on a run
    # that does not draw it (choosing "Upload a video" stops the page until a file comes), and
    # the browser kept showing its old position: 0 beside the picture of frame 311. So a
    # slider Streamlit has forgotten, or one a pick moves, is drawn as a new widget (a new
    # key) from the kept frame; while the user drags, its key stays (a slider without a key
    # changed identity with its value, and every second move was lost).
    frame_key, generation_key = f"keep_frame_{track.source_hash}", f"keep_frame_widget_{track.source_hash}"
    st.session_state.setdefault(frame_key, track.frame_at(reps[0].bottom_s) if reps else 0)
    picked = widgets.picked_time(reps, table_key, ("trajectory_chart", "angle_chart"))
    if picked is not None:
        st.session_state[frame_key] = track.frame_at(picked)
    generation = st.session_state.get(generation_key, 0)
    if picked is not None or f"_frame_{track.source_hash}_{generation}" not in st.session_state:
        generation = st.session_state[generation_key] = generation + 1
    if len(track) > 1:
        frame_index = st.slider(
            "Frame", 0, len(track) - 1, value=int(st.session_state[frame_key]),
            key=f"_frame_{track.source_hash}_{generation}",
        )  # fmt: skip
        st.session_state[frame_key] = frame_index
    else:  # Streamlit refuses a slider from 0 to 0: a one-frame clip shows its only frame
        frame_index = 0
        st.caption("The clip has a single frame: too short to hold a repetition.")
    time_s = float(track.times[frame_index])
    image = frames.frame_with_skeleton(clip.path, track, time_s, max_side=640)
    if image is not None:
        frames.show_frame(st, image, f"frame {frame_index} at {time_s:.2f} s", max_height=520)
    # under the picture, beside it on screen: the slider moves 24 frames a pixel on 3 minutes
    if len(track) > 1:
        if where := frame_steps.where_words(time_s, reps):
            st.caption(f"This frame: {where}.")
        widgets.time_box(f"_time_box_{track.source_hash}", frame_key, generation_key, track.times, frame_index,
                         track.frame_at)  # fmt: skip
        widgets.frame_buttons(frame_key, generation_key, frame_index, frame_steps.turn_frames(track.frame_at, reps),
                              len(track))  # fmt: skip


video_col, frame_col, reps_col = st.columns([1, 0.85, 1.25])  # the rep table fits at 1024 px (review Q)
# on a phone the rep table comes right under the player that loops a ticked rep
common.phone_order("analyse_video", "analyse_reps", "analyse_frame")
with video_col, st.container(key="analyse_video"):
    has_annotated = bool(annotated and os.path.exists(annotated))
    looped = widgets.selected_rep(reps, table_key)
    if looped is not None:  # the rep ticked in the table, over and over
        rep = reps[looped]
        frames.loop_rep(st, clip.path, track, rep.start_s, rep.end_s)
        st.caption(f"Rep {looped + 1} only ({rep.start_s:.2f}-{rep.end_s:.2f} s), looping. Untick it in the "
                   "table for the whole clip.")  # fmt: skip
    elif has_annotated:
        st.video(annotated)
        st.caption("Annotated clip: skeleton and rep counter drawn by RepLab.")
    elif why := clips.browser_cannot_play(clip.path):  # a dead player said nothing
        st.info(
            f"Browsers' players cannot show this file ({why}); RepLab reads it all the same. Tick a rep in "
            "the table to watch it, or make a copy that plays with **Make annotated video** under Exports."
        )
    else:
        st.video(clip.path)
        note = "Original clip. Make an annotated copy under Exports below."
        if clip.path.lower().endswith(".mkv"):  # Matroska plays in some browsers only
            note += (
                " If it stays black, this browser does not play .mkv files: make that copy, or tick a rep."
            )
        st.caption(note)
with frame_col, st.container(key="analyse_frame"):
    frame_column(clip, track, reps, table_key)
with reps_col, st.container(key="analyse_reps"):
    st.markdown(f"Method `{result.method}` on *{result.signal_name}*", help=signal_words(result.signal_name))
    if exercise is not None:  # a named exercise that is not the clip's counts its own signal's wiggles
        automatic = common.count_for(track).count
        # movements the form check found not to be squats: the Squat form page, the history,
        # `form` and `batch` leave them out of the squat count (a front-view clip read "Reps
        # counted 13" here, "Squats 12" there, and saved 12)
        left_out = squats_only(reps, verdicts)[2] if verdicts else []
        if left_out:
            st.caption(
                f"{count_words(result.count - len(left_out), 'squat')}: "
                f"{rep_numbers_words([v.index + 1 for v in left_out])} in the table "
                f"{'is' if len(left_out) == 1 else 'are'} not a squat (the Squat form page says why) and "
                f"{'is' if len(left_out) == 1 else 'are'} left out of the squat count, as saved to the history."
            )
        if automatic not in (result.count, result.count - len(left_out)):
            say = st.warning if abs(automatic - result.count) > 1 else st.caption
            say(
                f"Counted as {exercise}: {result.count}. Without an exercise name RepLab counts {automatic}; "
                "if the clip shows another exercise, choose it or 'auto' in the sidebar."
            )
    if result.count == 0 and result.swung_too_little:
        # the named exercise's joint hardly moves: another exercise, not a clip without reps
        st.info(f"No {exercise} reps: {result.diagnostics['none_because']}.")
    elif result.count == 0:
        st.info("No repetitions found in this clip. Check that the whole movement is in view.")
    else:
        if shows_squats:
            st.caption(
                "These look like squats: choose **squat** as the Exercise in the sidebar for a form verdict per rep."
            )
        if no_verdicts:
            st.caption(f"No form verdicts: {no_verdicts}")
        elif verdicts:
            good = sum(1 for v in verdicts if v.good)
            judged = sum(1 for v in verdicts if v.judged)
            if judged:
                st.markdown(
                    f"Form: **{good} of {judged}** judged reps good (strictness "
                    f"{common.form_strictness():.2f}, set in the Squat form page's sidebar)"
                )
            else:
                st.markdown("Form: none of these reps looks like a squat, so none is judged")
            st.page_link("pages/3_squat_form.py", label="Why? See each rep", icon=":material/arrow_forward:")
        # headed as the exercise's turning point: "bottom (s)" over a pull-up's tops read as the hang
        # headed without units, each column as narrow as its numbers: at 1024 px the column is
        # 190 px wide, and "turning point (s)" and "end (s)" were off to the right (review Q)
        turn = "turn" if turn_word(exercise) == "turning point" else turn_word(exercise)
        seconds = {"format": "%.2f", "width": 46}
        st.dataframe(
            [{"rep": i + 1, "start": round(r.start_s, 2), turn: round(r.bottom_s, 2), "end": round(r.end_s, 2)}
             for i, r in enumerate(reps)],
            hide_index=True, on_select=functools.partial(widgets.remember_rows, table_key), selection_mode="single-row",
            column_config={
                "rep": st.column_config.NumberColumn(width=30),
                "start": st.column_config.NumberColumn(help="When the rep left rest (seconds).", **seconds),
                turn: st.column_config.NumberColumn(
                    help="The rep's turning point in seconds: the bottom of a squat or push-up, the top of a curl "
                         "or pull-up (bottom_s in the exports).", **{**seconds, "width": 56}),
                "end": st.column_config.NumberColumn(help="When the rep was back at rest (seconds).", **seconds),
            },
            key=table_key, selection_default=widgets.kept_rows_default(table_key),
        )  # fmt: skip
        st.caption(
            "Times in seconds. Tick a rep to loop it in the player and show its turning-point frame (keyboard: arrow keys to a "
            "row, then Shift+Space); click a point on a chart below, or use the Frame slider, the time box or the step "
            "buttons under the frame, to show that frame."
        )

# ---- charts ------------------------------------------------------------------------------
st.subheader("Movement over time")
c1, c2 = st.columns([3, 1])
# the charts open on the parts that work in this clip (a curl's elbow, a squat's knee),
# until the user picks others
parts = common.chart_parts(track, reps, squat=is_squat or shows_squats)
# the defaults follow the clip and whether it is read as squats: switched from squat to auto,
# a curl's charts had stayed on the flat knee and hip (review M)
follows = f"{digest}_{'squat' if is_squat or shows_squats else 'any'}"
chosen = widgets.kept_widget(
    c1.multiselect, "Landmarks", "landmarks", parts["landmarks"], "default", options=LANDMARK_NAMES,
    default_follows=follows,
)  # fmt: skip
axis = widgets.kept_radio(
    c2, "Coordinate", ["y", "x"], "axis", horizontal=True, help="Image coordinates, 0..1."
)
# built once per track and choice, without the frame shown: a frame step redraws no chart
st.plotly_chart(
    common.trajectory_chart(track, reps, chosen, axis),
    key="trajectory_chart",
    on_select="rerun",
    selection_mode="points",
)

c1, c2 = st.columns([3, 1])
angles = widgets.kept_widget(c1.multiselect, "Joint angles", "angles", parts["angles"], "default",
                             options=ANGLE_NAMES, default_follows=follows)  # fmt: skip
use_world = widgets.kept_widget(
    c2.toggle, "3-D (world)", "world_angles", False, disabled=not track.has_world,
    help="Angles from MediaPipe's 3-D world landmarks instead of the image plane.",
)  # fmt: skip
use_world = use_world and track.has_world  # kept on from a clip that had them
st.plotly_chart(
    common.angle_chart(track, reps, angles, use_world),
    key="angle_chart",
    on_select="rerun",
    selection_mode="points",
)

# ---- exports -----------------------------------------------------------------------------
st.subheader("Exports")
stem = text.file_stem(os.path.splitext(clip.name)[0])  # a '"' in the name broke the download
c1, c2, c3 = st.columns(3)


def _track_csv() -> str:
    # Built only when clicked: a 10-minute clip's CSV is tens of MB.
    buffer = io.StringIO()
    track.to_csv(buffer)
    return buffer.getvalue()


c1.download_button("Pose track (CSV)", _track_csv, file_name=f"{stem}_pose.csv", mime="text/csv")
payload = reps_export(clip.name, track, result, exercise, verdicts)  # squats: the verdicts shown, too
c2.download_button("Reps (JSON)", json.dumps(payload, indent=2, default=float),
                   file_name=f"{stem}_reps.json", mime="application/json")  # fmt: skip
with c3:
    if annotated and os.path.exists(annotated):
        st.download_button("Annotated video (mp4)", lambda: Path(annotated).read_bytes(),
                           file_name=f"{stem}_annotated.mp4", mime="video/mp4")  # fmt: skip
    elif st.button("Make annotated video", help="Draws the skeleton and rep counter on every frame (H.264)."):
        bar = st.progress(0.0, text="Rendering ...")
        common.RENDER_DIR.mkdir(parents=True, exist_ok=True)
        remove_stale_renders(common.RENDER_DIR)  # nothing else ever clears the folder
        # named by content: the same render from another session (or after a restart) is reused
        out = common.RENDER_DIR / render_file_name(track.source_hash, render_key)
        try:
            if not reused_render(out):
                render_annotated_video(
                    clip.path, track, out, reps=reps, verdicts=verdicts,
                    progress=lambda d, t: bar.progress(min(1.0, d / max(t, 1)), text=f"Rendering frame {d} of {t}"),
                )  # fmt: skip
        except RepLabError as exc:
            bar.empty()
            st.error(str(exc))
        else:
            st.session_state.setdefault("renders", {})[render_key] = str(out)
            st.rerun()

# ---- history -----------------------------------------------------------------------------
st.subheader("Save to history")
try:
    store = common.get_history()
    known = store.athletes()
except RepLabError as exc:  # the analysis above stays usable; only saving is off
    st.error(f"Saving is not available: {exc}")
    st.stop()
if read_only := store.cannot_write():  # said before a note is typed, not after Save
    st.warning(f"Saving is off: {read_only}. The analysis above and the History stay available.")
    st.stop()
# The Save button belongs to its clip. A click made while the next clip was loading ran
# against the new clip: it saved that one, with the notes box of the new clip (empty)
# instead of the notes typed. Such a click is now refused, with a word.
save_key = f"save_analysis_{track.source_hash[:16]}"
stale = [
    k
    for k, v in st.session_state.items()
    if str(k).startswith("save_analysis_") and k != save_key and v is True
]
if stale:
    st.warning("The clip changed while you were saving: nothing was saved. Check the form and save again.")
# Not a form: a form's boxes reach the server only with its button, so a name and notes typed,
# then a look at the Squat form page before saving, were gone on return. Each box is kept.
with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    athlete = widgets.kept_widget(c1.text_input, "Athlete", "athlete", "", placeholder="name")
    if known:
        c1.caption("Known: " + ", ".join(text.literal(name) for name in known[:8]))
    kinds = [*EXERCISE_PRESETS, "other"]
    # on automatic, squats only when the clip shows squats (a curl clip was offered as squats)
    preferred = exercise if exercise in kinds else ("squat" if shows_squats else "other")
    # keyed by the clip and the sidebar's exercise: with one key the box kept its first value,
    # so a squat clip counted 3 was saved as "1 push_up rep" chosen for the clip before
    saved_exercise = c2.selectbox(
        "Exercise", kinds, index=kinds.index(preferred), key=f"save_exercise_{track.source_hash[:16]}_{exercise}",
        help="Squats are saved with a form verdict per rep. Follows the sidebar's Exercise.",
    )  # fmt: skip
    # notes belong to this clip: they were saved again with the next clip's entry
    notes = widgets.kept_widget(c3.text_input, "Notes", f"save_notes_{track.source_hash[:16]}", "")
    submitted = st.button("Save analysis", key=save_key)
if submitted:
    # the rules of a save (which reps, squats only, saved once) are the library's: the command
    # line's `history save` saves the same entry
    try:
        outcome = save_analysis(
            store, track, saved_exercise, athlete, notes, clip_name=clip.name, strictness=common.form_strictness(),
            result=result if counting_exercise(saved_exercise) == exercise else None, judge=common.verdicts_for,
            shown_count=result.count,
        )  # fmt: skip
    except NoAthleteError:  # said first: a curl refused as squats hid that the name was missing
        st.error("An athlete name is needed to save: type one in the Athlete box.")
        st.stop()
    except NotSquatsError as exc:  # none is a squat: a curl saved as squats, say
        st.error(exc.words("the Squat form page"))
        st.stop()
    except (ValueError, RepLabError) as exc:
        st.error(str(exc))
        st.stop()
    if outcome.no_verdicts:
        st.warning(f"Saved without form verdicts: {outcome.no_verdicts}")
    if not outcome.saved:  # the same analysis with other notes is the same session
        where = f"Already saved for {text.literal(outcome.athlete)} as entry {outcome.entry_id}"
        if outcome.status == ALREADY_SAVED:
            st.info(f"{where}; nothing new to save.")
        else:
            st.info(f"{where}, with other notes: change them on the History page (Edit the notes).")
        st.stop()
    # a count saved as another exercise than the page's says so; one that differs only by
    # the movements left out says that below ("counted as squat" when the page was on squat)
    recounted = saved_exercise != exercise and outcome.count != result.count
    differs = f" (counted as {saved_exercise}; this page shows {result.count})" if recounted else ""
    left_out = outcome.left_out
    others = (
        f" Left out: {count_words(len(left_out), 'movement')} that the form check found not to be a "
        f"squat ({', '.join(f'{r.start_s:.1f}-{r.end_s:.1f} s' for r in left_out)})."
        if left_out
        else ""
    )
    st.success(
        f"Saved for {text.literal(outcome.athlete)} (entry {outcome.entry_id}): "
        f"{count_words(outcome.count, 'rep')}{differs}.{others}"
    )
