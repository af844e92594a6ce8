"""The shared layer of the pages: the current clip's pose track, its counts and verdicts, history.

Why one module: every page works on "the current clip" and its pose track. The pose pass
is the only slow step (seconds to minutes); it runs once per clip content (disk cache in
``analysis.pose`` plus an in-memory copy here), so moving a slider or switching pages
re-counts a cached track in milliseconds. Counts, squat verdicts and chart parts are
memoised per track content here too, so every page shows the same numbers. Library errors
(``RepLabError``) are shown with ``st.error`` and leave everything already shown or saved
untouched. Choosing a clip (``pages.clips``), the pose model (``pages.pose_model``), kept
widgets (``pages.widgets``), charts (``pages.charts``), frames and rep videos
(``pages.frames``) and text escaping (``pages.text``) live in their own modules.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from analysis import moving_parts
from analysis.counting import EXERCISE_PRESETS, count_reps
from analysis.errors import RepLabError
from analysis.form import load_model, score_squat_reps, verdicts_at
from analysis.history import HistoryStore
from analysis.pose import DEFAULT_CHUNKS, extract_pose
from analysis.saving import default_exercise
from analysis.strictness import DEFAULT_STRICTNESS
from analysis.track import PoseTrack
from analysis.wording import cut_short_words
from pages import charts
from pages.clips import Clip, pick_clip
from pages.pose_model import model_picker, pose_settings
from pages.text import literal
from pages.widgets import kept_selectbox

# the pages' renders: the Analyse page's annotated videos and the rep cuts of ``pages.frames``
RENDER_DIR = Path(tempfile.gettempdir()) / "replab-renders"
# pose tracks kept in a session (a 10-minute track is about 20 MB; side by side needs two)
MAX_TRACKS_IN_SESSION = 4
# past this many reps, the per-rep pictures and words open folded or filtered: a 3-minute set's
# 78 rep cards read 78 frames (20 s, 12,600 px of page) and its 72 reasons filled the History
# page (review AE)
MANY_REPS = 12


# ---- the page in the app ----------------------------------------------------------------
def through_the_app() -> None:
    """Send a page run that did not come through ``app.py`` back to it.

    Under plain ``streamlit run app.py`` the first visit after the server starts, when it
    opens a page's own address (``/history``), runs that page file alone as an old-style
    page: narrow layout, and "common", "webcam" and the other helper modules of ``pages/``
    offered as pages, until "/" is opened. ``app.py`` marks the session; a page without the
    mark hands over to it (which opens the Analyse page). ``python app.py`` never gets here.
    """
    if not st.session_state.get("replab_navigation"):
        st.switch_page("app.py")


def phone_order(*keys: str) -> None:
    """On a phone, stack a row of columns in the order of ``keys`` instead of left to right.

    Each key names a ``st.container(key=...)`` inside one column. A narrow screen stacks
    Streamlit's columns top to bottom in their order, so the Analyse page's rep table came
    after the video and a whole frame picture: a rep ticked in the table looped in a
    player two screens above it. A CSS ``order`` for narrow screens only moves the
    columns; a wide screen keeps its layout.
    """
    rules = " ".join(
        f'div[data-testid="stColumn"]:has(.st-key-{key}) {{ order: {place}; }}'
        for place, key in enumerate(keys)
    )
    st.html(f"<style>@media (max-width: 640px) {{ {rules} }}</style>")


# ---- the current clip and its pose track -----------------------------------------------
def clip_picker(slot: str = "main", container=None, offer_left: bool = True) -> Clip | None:
    """Sample, upload or webcam chooser; returns the chosen clip (a sample by default).

    In the sidebar (no ``container``) the session's pose model choice follows it. It is here,
    not in ``pages.clips``, because it joins the two: ``pages.pose_model`` keeps its files
    beside the clips' (``clips.UPLOAD_DIR``), so it imports ``pages.clips``, not the reverse.
    """
    clip = pick_clip(slot, container, offer_left)
    if container is None:
        model_picker(st.sidebar)
    return clip


def get_track(clip: Clip, workers: int = DEFAULT_CHUNKS) -> PoseTrack | None:
    """The clip's pose track, from memory, the disk cache, or a new pass with a progress bar.

    Returns None after showing the error when the clip cannot be analysed.
    """
    tracks = st.session_state.setdefault("tracks", {})
    stat = os.stat(clip.path) if os.path.exists(clip.path) else None
    settings = pose_settings()
    memo_key = (clip.path, stat.st_size if stat else 0, stat.st_mtime_ns if stat else 0, settings)
    if memo_key in tracks:
        tracks[memo_key] = tracks.pop(memo_key)  # most recently used last
        return tracks[memo_key]
    bar = st.progress(0.0, text=f"Finding the pose in {literal(clip.name)} ...")

    def report(done: int, total: int) -> None:
        bar.progress(
            min(1.0, done / max(total, 1)),
            text=f"Finding the pose in {literal(clip.name)}: frame {done} of {total}",
        )

    try:
        track = extract_pose(clip.path, progress=report, workers=workers, settings=settings)
    except RepLabError as exc:
        bar.empty()
        st.error(str(exc).replace(os.path.dirname(clip.path) + os.sep, ""))
        return None
    bar.empty()
    if track.meta.get("not_cached"):  # said on the page: it had gone to the server's log only
        st.warning(
            f"The pose cache ({literal(track.meta['not_cached'])}) cannot store tracks, so this analysis "
            "was not kept: it is fine, but the next visit runs the pose model again."
        )
    track.source_name = clip.name
    tracks[memo_key] = track
    while len(tracks) > MAX_TRACKS_IN_SESSION:  # the disk cache still has the others
        tracks.pop(next(iter(tracks)))
    return track


def track_or_previous(clip: Clip, slot: str = "main") -> tuple[Clip, PoseTrack] | tuple[None, None]:
    """The clip's track; if it cannot be analysed, the last clip that could (after the error).

    A bad upload then shows its error above the results the user already had.
    """
    track = get_track(clip)
    key = f"last_good_{slot}"
    if track is not None:
        st.session_state[key] = clip
        return clip, track
    previous = st.session_state.get(key)
    if stands_in_for(previous, clip):
        st.info(f"Still showing the last clip that could be analysed: {literal(previous.name)}")
        track = get_track(previous)
        if track is not None:
            return previous, track
    return None, None


def stands_in_for(previous: Clip | None, clip: Clip) -> bool:
    """Whether the last clip analysed is shown after ``clip`` fails: not after a failed webcam
    recording, unless it was one too. The page opens on a sample, and a recording with nobody
    in it was followed by the sample's whole analysis and a Save form, a clip never chosen."""
    if previous is None or previous == clip or not os.path.exists(previous.path):
        return False
    return clip.kind != "recording" or previous.kind == "recording"


def current_clip_and_track(slot: str = "main") -> tuple[Clip, PoseTrack]:
    """The clip picked in the sidebar and its pose track; stops the page when there is none.

    Every page that works on "the current clip" starts with this.
    """
    clip = clip_picker(slot)
    if clip is None:
        st.stop()
    clip, track = track_or_previous(clip, slot)
    if track is None:
        st.stop()
    warn_if_cut_short(track)
    return clip, track


def warn_if_cut_short(track: PoseTrack) -> None:
    """Say so on every page that counts or judges a file that stops before its header says
    it ends (the Squat form and Compare counters pages had said nothing)."""
    if cut := cut_short_words(track.meta):
        st.warning(cut[0].upper() + cut[1:] + ".")


def summary_row(track: PoseTrack, reps_counted: int | None = None) -> None:
    """The clip's facts in one row, the rep count first: on a phone the columns stack, and
    the count people came for was on the third screen, under five technical numbers."""
    # two rows of three: six columns in one row cut every value to "10…" / "608×…" when the
    # main area is narrow (a 1024-px laptop or a phone held sideways, sidebar open)
    summary = st.container(key="summary_clip")  # three a row on a phone too (app.py's style)
    cols = [*summary.columns(3), *summary.columns(3)]
    if reps_counted is not None:
        cols[0].metric("Reps counted", reps_counted)
        cols = cols[1:]
    cols[0].metric("Frames", f"{len(track)}")
    cols[1].metric("Person found", f"{track.detection_rate:.0%}")
    cols[2].metric("Duration", f"{track.duration_s:.1f} s")
    # "30.00 fps" was cut to "30.00 …" in the row's narrow column: the unit goes in the label
    cols[3].metric("Frame rate (fps)", f"{track.fps:.2f}".rstrip("0").rstrip("."))
    cols[4].metric("Size (px)", f"{track.width}×{track.height}")  # a unit in the value was cut off
    if track.meta.get("backend") == "mediapipe-tasks":
        # the file as the user named it (it is stored under a hash of its bytes)
        model = str(track.meta.get("model") or "")
        current = st.session_state.get("pose_model")
        shown = current[0] if current and os.path.basename(current[1]) == os.path.basename(model) else model
        st.caption(
            f"Pose from your own model ({literal(os.path.basename(shown))}) through MediaPipe's Tasks API."
        )
    rotation = int(track.meta.get("rotation", 0) or 0)
    if track.meta.get("mirrored"):  # its mirror reads as a half turn: "turned by -180°" was wrong
        st.caption(
            "The file is stored mirrored (a front camera's view); RepLab reads it the right way round."
        )
    elif rotation % 360:
        turn = {90: "on its side", 180: "upside down", 270: "on its side"}.get(
            rotation % 360, f"by {rotation % 360}°"
        )
        st.caption(f"The file is stored turned {turn} (a phone clip); RepLab reads it upright.")


# ---- counts, verdicts and chart parts, cached per track content --------------------------
def exercise_choices() -> list[str]:
    return ["auto (any up-and-down exercise)", *EXERCISE_PRESETS]


def exercise_box() -> str | None:
    """The sidebar's Exercise box of the Analyse and Compare counters pages (one kept choice:
    two boxes with one label showed 15 squats on one page and 5 reps on the other); None = auto."""
    return exercise_value(
        kept_selectbox(
            st.sidebar,
            "Exercise",
            exercise_choices(),
            key="exercise",
            help="'auto' finds the moving body part itself; naming the exercise picks its known signal.",
        )  # fmt: skip
    )


def exercise_value(choice: str) -> str | None:
    return None if choice.startswith("auto") else choice


@st.cache_data(show_spinner=False, max_entries=64)
def _count_cached(track_digest: str, method: str, exercise: str | None, _track: PoseTrack):
    return count_reps(_track, method=method, exercise=exercise)


def count_for(track: PoseTrack, exercise: str | None = None, method: str = "auto"):
    """``count_reps`` on a cached track, memoised per track content, method and exercise.

    Keyed by the track's content, not the clip's hash: the same clip through the built-in
    model and through the user's own ``.task`` model gives two tracks of equal length whose
    reps differ, and a key of clip hash and frame count showed the first one's reps for both.
    """
    return _count_cached(track.content_digest(), method, exercise, track)


@st.cache_resource(show_spinner=False)
def form_model():
    """The fitted squat-form model, loaded once per server (raises RepLabError if missing)."""
    return load_model()


# Kept as objects (``cache_resource``): nothing changes a ScoredRep, and each rep's features
# (its joints' series) would be copied on every strictness step.
@st.cache_resource(show_spinner=False, max_entries=16)
def _scored_cached(track_digest: str, spans: tuple, _track: PoseTrack, _reps):
    return score_squat_reps(_track, _reps, model=form_model())


@st.cache_data(show_spinner=False, max_entries=64)
def _verdicts_cached(track_digest: str, spans: tuple, strictness: float, _track: PoseTrack, _reps):
    """The verdicts at one strictness, decided from the reps scored once (``_scored_cached``):
    each step of the strictness slider had measured and predicted a 78-rep set again, 1.8 s."""
    return verdicts_at(_scored_cached(track_digest, spans, _track, _reps), strictness, form_model())


def form_strictness() -> float:
    """The strictness of the form verdicts, as set on the Squat form page (its slider keeps it
    under ``keep_strictness``). The Analyse page judged at 0.5 whatever that slider said, so
    its "2 of 3 good", its annotated video and what it saved disagreed with the Squat form page."""
    return float(st.session_state.get("keep_strictness", DEFAULT_STRICTNESS))


def verdicts_for(track: PoseTrack, reps, strictness: float | None = None):
    """Per-rep squat verdicts (memoised per track content, rep spans and strictness; by default
    the Squat form page's strictness, ``form_strictness``); None if unavailable."""
    if not reps:
        return None
    strictness = form_strictness() if strictness is None else strictness
    spans = tuple((r.start_s, r.bottom_s, r.end_s) for r in reps)
    return _verdicts_cached(track.content_digest(), spans, float(strictness), track, list(reps))


@st.cache_data(show_spinner=False, max_entries=64)
def _chart_parts_cached(track_digest: str, spans: tuple, squat: bool, _track: PoseTrack) -> dict:
    return moving_parts.chart_parts(_track, list(spans), squat)


def chart_parts(track: PoseTrack, reps, squat: bool) -> dict[str, list[str]]:
    """``analysis.moving_parts.chart_parts`` for this track and these reps (cached)."""
    spans = tuple((r.start_s, r.end_s) for r in reps)
    return _chart_parts_cached(track.content_digest(), spans, squat, track)


@st.cache_data(show_spinner=False, max_entries=64)
def _joint_bends_cached(track_digest: str, spans: tuple, _track: PoseTrack) -> dict:
    return moving_parts.joint_bends(_track, list(spans))


def joint_bends(track: PoseTrack, reps) -> dict[str, float]:
    """``analysis.moving_parts.joint_bends`` within these reps (cached)."""
    spans = tuple((r.start_s, r.end_s) for r in reps)
    return _joint_bends_cached(track.content_digest(), spans, track)


# ---- the Analyse page's charts, built once per track and choice ---------------------------
# Kept as objects (``cache_resource``): nothing changes a figure after it is built
# (``st.plotly_chart`` reads a copy), and a 10-minute track's figure is megabytes to copy.
@st.cache_resource(show_spinner=False, max_entries=16)
def _chart_cached(kind: str, track_digest: str, spans: tuple, names: tuple, option, _track: PoseTrack, _reps):
    build = charts.trajectory_figure if kind == "trajectory" else charts.angle_figure
    return build(_track, _reps, list(names), option)


def trajectory_chart(track: PoseTrack, reps, landmarks, axis: str):
    """The Analyse page's landmark trajectories (``charts.trajectory_figure``), built once per
    track, reps, landmarks and axis.

    On a 3-minute clip each frame step built both charts again, and, as they carried a line at
    the frame shown, the browser was sent 584 kB and drew both anew: 1.4-2.8 s a click (review
    AO). The figures hold nothing of the frame, so a frame step sends and draws no chart.
    """
    spans = tuple((r.start_s, r.end_s) for r in reps)
    return _chart_cached(
        "trajectory", track.content_digest(), spans, tuple(landmarks), axis, track, list(reps)
    )


def angle_chart(track: PoseTrack, reps, angles, use_world: bool):
    """The Analyse page's joint angles (``charts.angle_figure``), built once per track, reps,
    angles and plane (see ``trajectory_chart``)."""
    spans = tuple((r.start_s, r.end_s) for r in reps)
    return _chart_cached(
        "angle", track.content_digest(), spans, tuple(angles), bool(use_world), track, list(reps)
    )


def looks_like_squats(track: PoseTrack) -> bool:
    """``saving.default_exercise`` with this session's memoised count and verdicts: what the
    Analyse page suggests and saves by default with the Exercise box on automatic."""
    return default_exercise(track, judge=lambda t, reps, _strictness: verdicts_for(t, reps)) == "squat"


# ---- history ------------------------------------------------------------------------------
@st.cache_resource
def history_store(path: str | None = None) -> HistoryStore:
    return HistoryStore(path)


def get_history() -> HistoryStore:
    """The history store (``$REPLAB_HISTORY_DB`` or the user's data folder)."""
    return history_store(os.environ.get("REPLAB_HISTORY_DB"))


def viewer_timezone() -> tuple[tzinfo | None, str]:
    """The browser's time zone and its name, for saved times: (None, "server time") when the
    browser has not said. The server's own zone is UTC in most containers, and a coach in
    Sydney saw a save at 08:00 listed at 21:00 the day before, under "local time"."""
    name, offset = st.context.timezone, st.context.timezone_offset
    if name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if offset is not None:  # minutes behind UTC, as the browser gives it
        zone = timezone(timedelta(minutes=-int(offset)))
        return zone, zone.tzname(None)
    return None, "server time"
