"""Streamlit helpers shared by the pages: picking a clip, the cached pose pass, charts.

Why one module: every page works on "the current clip" and its pose track. The pose pass
is the only slow step (seconds to minutes); it runs once per clip content (disk cache in
``analysis.pose`` plus an in-memory copy here), so moving a slider or switching pages
re-counts a cached track in milliseconds. Library errors (``RepLabError``) are shown
with ``st.error`` and leave everything already shown or saved untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from analysis import moving_parts
from analysis.cache import file_hash
from analysis.counting import EXERCISE_PRESETS, count_reps
from analysis.errors import RepLabError
from analysis.form import assess_squat_reps, load_model
from analysis.history import HistoryStore
from analysis.landmarks import INDEX, joint_angle
from analysis.pose import DEFAULT_CHUNKS, PoseSettings, check_pose_model, extract_pose
from analysis.render import draw_skeleton, render_annotated_video
from analysis.saving import DEFAULT_STRICTNESS, default_exercise
from analysis.track import PoseTrack
from analysis.video import VIDEO_EXTENSIONS, probe, read_frame
from analysis.wording import cut_short_words

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "sample_videos"
DEFAULT_SAMPLE = "squat_side_rohanx01_1.mp4"
UPLOAD_DIR = Path(tempfile.gettempdir()) / "replab-uploads"
MODEL_DIR = UPLOAD_DIR / "models"
BUILT_IN_MODEL = "Built-in (BlazePose full, offline)"
RENDER_DIR = Path(tempfile.gettempdir()) / "replab-renders"
# pose tracks kept in a session (a 10-minute track is about 20 MB; side by side needs two)
MAX_TRACKS_IN_SESSION = 4
UPLOAD_TYPES = [ext.lstrip(".") for ext in VIDEO_EXTENSIONS]
REP_FILL = "rgba(46, 134, 222, 0.13)"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


@dataclass(frozen=True)
class Clip:
    """A video file on disk the app can analyse (a sample, or an upload saved by hash)."""

    path: str
    name: str
    kind: str  # "sample" | "upload" | "recording"


# ---- picking a clip --------------------------------------------------------------------
def sample_clips() -> list[str]:
    if not SAMPLE_DIR.is_dir():
        return []
    return sorted(p.name for p in SAMPLE_DIR.iterdir() if p.suffix.lower() in VIDEO_EXTENSIONS)


def save_upload(uploaded) -> Clip:
    """Write an uploaded file under a folder named by its content hash (``extract_pose`` needs a path).

    The same bytes uploaded again map to the same file, so the pose cache finds them; the
    file keeps the user's own name, so messages about it name the file they chose.
    """
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    uploaded.seek(0)
    with tempfile.NamedTemporaryFile(dir=UPLOAD_DIR, delete=False, suffix=".part") as tmp:
        while block := uploaded.read(1 << 20):
            digest.update(block)
            tmp.write(block)
    # browsers send '"' in a file name as %22 (and a line break as %0D/%0A); nothing else is
    # encoded, so a name that really holds "%20" or "%00" is kept as it is
    name = uploaded.name.replace("%22", '"').replace("%0D", "").replace("%0A", "")
    name = Path(name).name or "upload.mp4"
    return _file_under_hash(tmp.name, digest.hexdigest(), name, "upload")


def store_file(path: str, name: str, kind: str) -> Clip:
    """Move a finished file (a webcam recording, written inside ``UPLOAD_DIR``) into the store."""
    return _file_under_hash(path, file_hash(path), name, kind)


def _file_under_hash(part: str, content_hash: str, name: str, kind: str) -> Clip:
    folder = UPLOAD_DIR / content_hash[:32]  # where ``clip_path_for_hash`` looks
    folder.mkdir(exist_ok=True)
    target = folder / name
    os.replace(part, target)
    return Clip(path=str(target), name=name, kind=kind)


_DAY = timedelta(days=1)
# what Markdown reads inside a line (emphasis, code, links, HTML and its entities, LaTeX, tables,
# strike-through), and ":" (Streamlit turns ":smile:" into an emoji and ":red[x]" into colour). The texts shown
# this way are single lines behind a label ("Notes: ..."), so line-start markers cannot occur.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>$~|:&])")


def literal(text: str) -> str:
    """``text`` to show exactly as typed inside Streamlit's Markdown (captions, messages,
    labels): every Markdown character escaped. Notes reading "paid $40 ... $10 tip" were set
    as LaTeX between the two dollar signs, and "*in*" in italics."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


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


def through_the_app() -> None:
    """Send a page run that did not come through ``app.py`` back to it.

    Under plain ``streamlit run app.py`` the first visit after the server starts, when it
    opens a page's own address (``/history``), runs that page file alone as an old-style
    page: narrow layout, and "common" and "webcam" offered as pages, until "/" is opened.
    ``app.py`` marks the session; a page without the mark hands over to it (which opens
    the Analyse page). ``python app.py`` never gets here.
    """
    if not st.session_state.get("replab_navigation"):
        st.switch_page("app.py")


def _remember(key: str, widget_key: str | None = None) -> None:
    """Copy a widget's value to a plain session key, so it survives switching pages."""
    st.session_state[f"keep_{key}"] = st.session_state[widget_key or f"_{key}"]


def kept_widget(
    make, label: str, key: str, default=None, value_arg: str = "value", default_follows: str = "", **kwargs,
):  # fmt: skip
    """Any widget (``st.text_input``, ``box.multiselect``...) whose value survives visits to
    other pages, as ``kept_selectbox``: the widget uses ``_<key>``, the value is kept under
    ``keep_<key>`` and handed back as its ``value_arg`` (``"default"`` for a multiselect).
    A coach lost the athlete's name, the typed true count and the counter settings on every
    visit to another page.

    ``default_follows``: what the default depends on (a clip's hash). Until the user makes a
    choice, a new value there shows the new default: Streamlit keeps a keyed widget's value
    when only its default changes, so the chart of a curl opened on the squat's joints.
    """
    kept = st.session_state.get(f"keep_{key}")
    widget_key = _widget_key(key, kept is not None, default_follows)
    value = default if kept is None else kept
    return make(
        label, **{value_arg: value}, key=widget_key, on_change=_remember, args=(key, widget_key), **kwargs
    )


def kept_selectbox(box, label: str, options: list, key: str, default=None, **kwargs):
    """A selectbox whose choice survives visits to other pages.

    Streamlit drops a widget's state on a run of a page that does not draw it, so a plain
    keyed widget came back on its default after the user followed a link elsewhere (the
    Analyse page's Exercise fell back to automatic, changing the count shown, unannounced).
    The value is kept under ``keep_<key>``; the widget itself uses ``_<key>``. A kept
    choice that is no longer offered (an entry deleted meanwhile) falls back to ``default``.
    """
    return _kept_choice(box.selectbox, label, options, key, default, **kwargs)


def kept_radio(box, label: str, options: list, key: str, default=None, **kwargs):
    """A radio whose choice survives visits to other pages (see ``kept_selectbox``)."""
    return _kept_choice(box.radio, label, options, key, default, **kwargs)


def _widget_key(key: str, chosen: bool, default_follows: str) -> str:
    """A kept widget's own key: ``_<key>``, or, until the user has ``chosen``, one that also
    names what its default follows (a new value there is a new widget, on the new default)."""
    return f"_{key}" if chosen or not default_follows else f"_{key}_{default_follows}"


def _kept_choice(make, label: str, options: list, key: str, default, default_follows: str = "", **kwargs):
    """``default_follows`` as in ``kept_widget``: until the user chooses, a new value there
    shows the new default."""
    kept = st.session_state.get(f"keep_{key}")
    choice = kept if kept in options else default
    index = options.index(choice) if choice in options else 0
    widget_key = _widget_key(key, kept in options, default_follows)
    return make(
        label, options, index=index, key=widget_key, on_change=_remember, args=(key, widget_key), **kwargs
    )


def kept_slider(box, label: str, low: float, high: float, default: float, step: float, key: str, **kwargs):
    """A slider whose value survives visits to other pages (see ``kept_selectbox``); a kept
    value outside today's range (Side by side's rep number, with clips of fewer reps) is
    brought inside it, which Streamlit would refuse."""
    kept = st.session_state.get(f"keep_{key}", default)
    st.session_state[f"keep_{key}"] = min(max(kept, low), high)
    return kept_widget(box.slider, label, key, default, min_value=low, max_value=high, step=step, **kwargs)


def clip_picker(slot: str = "main", container=None) -> Clip | None:
    """Sample, upload or webcam chooser; returns the chosen clip (a sample by default).

    In the sidebar (no ``container``) the session's pose model choice follows it.
    """
    clip = _pick_clip(slot, container)
    if container is None:
        model_picker(st.sidebar)
    return clip


def upload_limit_text() -> str:
    """The uploader's size limit as people write it ("1 GB", "200 MB"), read from Streamlit's
    ``server.maxUploadSize`` (megabytes; .streamlit/config.toml sets it), so the words
    shown can never disagree with the limit the browser applies."""
    megabytes = int(st.get_option("server.maxUploadSize"))
    return f"{megabytes / 1024:g} GB" if megabytes % 1024 == 0 else f"{megabytes} MB"


def _pick_clip(slot: str, container) -> Clip | None:
    box = container or st.sidebar
    samples = sample_clips()
    options = ["Sample clip", "Upload a video", "Record with webcam"]
    source_key = f"source_{slot}"
    source = kept_radio(box, "Clip", options, source_key, horizontal=True)
    if source == "Sample clip":
        if not samples:
            box.warning("No sample clips found in sample_videos/.")
            return None
        preferred = DEFAULT_SAMPLE if DEFAULT_SAMPLE in samples else samples[0]
        if slot == "b" and len(samples) > 1:  # the second side starts on a different clip
            preferred = next(name for name in samples if name != preferred)
        name = kept_selectbox(box, "Sample", samples, key=f"sample_{slot}", default=preferred)
        return Clip(path=str(SAMPLE_DIR / name), name=name, kind="sample")
    if source == "Record with webcam":
        from pages.webcam import record_clip  # WebRTC is loaded only by those who record

        return record_clip(slot, container)
    limit = upload_limit_text()
    uploaded = box.file_uploader(
        "Video file", type=UPLOAD_TYPES, key=f"upload_{slot}",
        help=f"mp4, mov, m4v, avi, webm or mkv, up to {limit}. Film the whole body from the side for squats.",
    )  # fmt: skip
    # the browser refuses a bigger file, or another type, with only a tooltip on the file's
    # red chip, and never sends it: the page cannot see it, so it says beforehand what a
    # red chip means, the limit, and the way round it
    box.caption(
        f"Up to {limit} a file. A file over the limit, or not a video, turns red above and is not "
        "analysed (point at it for why): cut a longer recording, or count it from the command line "
        "(`python -m analysis count CLIP`, no size limit)."
    )
    kept = st.session_state.get(f"keep_upload_{slot}")
    if uploaded is not None:
        # saved once per upload: every widget change reruns the page, and hashing and
        # moving a 1 GB file on each rerun would stall it (and change the file's mtime)
        if (
            st.session_state.get(f"keep_upload_id_{slot}") == uploaded.file_id
            and kept
            and os.path.exists(kept.path)
        ):
            return kept
        clip = save_upload(uploaded)
        st.session_state[f"keep_upload_{slot}"] = clip
        st.session_state[f"keep_upload_id_{slot}"] = uploaded.file_id
        return clip
    if kept is not None and os.path.exists(kept.path):
        box.caption(f"Using the last upload: {literal(kept.name)}")
        return kept
    box.info("Choose a video file to analyse (a file shown in red was refused: see above).")
    return None


# what a browser's own player shows: H.264, VP8/9 or AV1, in anything but AVI (Matroska plays in
# some browsers, not in others: its player is kept, with a word)
BROWSER_CODECS = frozenset({"h264", "vp8", "vp9", "av1"})
NO_BROWSER_CONTAINERS = (".avi",)
CODEC_NAMES = {"hevc": "HEVC (H.265)", "mpeg4": "MPEG-4 Part 2", "mjpeg": "Motion JPEG", "prores": "ProRes"}


@st.cache_data(show_spinner=False, max_entries=64)
def browser_cannot_play(path: str) -> str | None:
    """Why a browser's player cannot show this file, or None. An AVI (MPEG-4 Part 2) showed a
    black box stuck at 0:00 and an iPhone's HEVC .mov an audio bar, under "Original clip",
    though RepLab reads both."""
    try:
        codec = probe(path).codec
    except RepLabError:
        return None
    suffix = Path(path).suffix.lower()
    if codec not in BROWSER_CODECS:
        return f"its video is {CODEC_NAMES.get(codec, codec.upper())}"
    if suffix in NO_BROWSER_CONTAINERS:
        return f"browsers do not play {suffix} files"
    return None


def model_picker(box) -> None:
    """The pose model for this session: the built-in one, or a MediaPipe ``.task`` file.

    The built-in BlazePose full model ships inside the mediapipe wheel and needs no
    download; a ``pose_landmarker_*.task`` bundle the user has runs through the Tasks API
    instead. A file that is not such a bundle is refused with MediaPipe's reason and the
    model in use does not change. Tracks are cached per model (its bytes are in the key).
    """
    with box.expander("Pose model"):
        choice = st.radio(
            "Model", [BUILT_IN_MODEL, "My own .task file"], key="_model_source",
            index=0 if st.session_state.get("pose_model") is None else 1, label_visibility="collapsed",
        )  # fmt: skip
        if choice == BUILT_IN_MODEL:
            if st.session_state.get("pose_model"):  # kept for a switch back: it is stored already
                st.session_state["earlier_pose_model"] = st.session_state["pose_model"]
            st.session_state["pose_model"] = None
            return
        uploaded = st.file_uploader(
            "MediaPipe pose_landmarker .task file", type=["task"], key="model_upload",
            help="A pose_landmarker_lite/full/heavy.task bundle, run through MediaPipe's Tasks API.",
        )  # fmt: skip
        if uploaded is not None and uploaded.file_id != st.session_state.get("model_checked"):
            # a new file (the uploader keeps returning the same one on every rerun)
            MODEL_DIR.mkdir(parents=True, exist_ok=True)
            data = uploaded.getvalue()
            path = MODEL_DIR / f"{hashlib.sha256(data).hexdigest()[:32]}.task"
            path.write_bytes(data)
            try:  # load it once now: a bad file is refused here, not on every clip
                check_pose_model(str(path))
            except RepLabError as exc:
                st.session_state["model_refused"] = str(exc).replace(path.name, uploaded.name)
            else:
                st.session_state["model_refused"] = None
                st.session_state["pose_model"] = (uploaded.name, str(path))
            st.session_state["model_checked"] = uploaded.file_id
        if uploaded is not None and st.session_state.get("model_refused"):
            st.error(st.session_state["model_refused"])
        earlier = st.session_state.get("earlier_pose_model")
        if st.session_state.get("pose_model") is None and earlier and os.path.exists(earlier[1]):
            # back from the built-in model: the file accepted before, not a second upload of it
            st.session_state["pose_model"] = earlier
        current = st.session_state.get("pose_model")
        st.caption(
            f"In use: {current[0]}" + (" (chosen earlier)" if uploaded is None else "")
            if current
            else "Choose a .task file; the built-in model is used until then."
        )


def pose_settings() -> PoseSettings:
    """The settings of this session's pose passes (the model picked in the sidebar)."""
    model = st.session_state.get("pose_model")
    return PoseSettings(model_path=model[1]) if model else PoseSettings()


@st.cache_data(show_spinner=False)
def _sample_hashes(names: tuple[str, ...]) -> dict[str, str]:
    return {file_hash(SAMPLE_DIR / name): str(SAMPLE_DIR / name) for name in names}


def clip_path_for_hash(content_hash: str) -> str | None:
    """The video with these bytes, if it is still on this machine (a sample or a saved upload)."""
    found = _sample_hashes(tuple(sample_clips())).get(content_hash)
    if found:
        return found
    folder = UPLOAD_DIR / content_hash[:32]
    if folder.is_dir():
        for candidate in sorted(folder.iterdir()):
            return str(candidate)
    return None


# ---- the pose pass -----------------------------------------------------------------------
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


@st.cache_data(show_spinner=False, max_entries=64)
def _verdicts_cached(track_digest: str, spans: tuple, strictness: float, _track: PoseTrack, _reps):
    return assess_squat_reps(_track, _reps, strictness=strictness, model=form_model())


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


def looks_like_squats(track: PoseTrack) -> bool:
    """``saving.default_exercise`` with this session's memoised count and verdicts: what the
    Analyse page suggests and saves by default with the Exercise box on automatic."""
    return default_exercise(track, judge=lambda t, reps, _strictness: verdicts_for(t, reps)) == "squat"


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


# ---- frames and charts -------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=128)
def _frame_cached(path: str, time_s: float, max_side: int) -> np.ndarray:
    return read_frame(path, time_s, max_side=max_side)


def frame_with_skeleton(path: str, track: PoseTrack, time_s: float, max_side: int = 720) -> np.ndarray | None:
    """The frame shown at ``time_s`` with the track's skeleton drawn (None if unreadable)."""
    try:
        rgb = _frame_cached(path, float(time_s), max_side)
    except RepLabError as exc:
        st.warning(str(exc))
        return None
    i = track.frame_at(time_s)
    return draw_skeleton(rgb, track.landmarks[i], track.visibility[i])


def _selection_signature(state, kind: str) -> tuple:
    """What a dataframe ("rows") or Plotly chart ("points") widget has selected, as a tuple."""
    selection = (state or {}).get("selection", {}) or {}
    if kind == "rows":
        return tuple(selection.get("rows", []) or [])
    return tuple(round(float(p["x"]), 4) for p in selection.get("points", []) or [] if "x" in p)


def picked_time(reps, table_key: str, chart_keys: tuple[str, ...]) -> float | None:
    """The time the user has just picked: a row of the rep table (its bottom) or a chart point.

    Streamlit keeps a selection in session state for as long as it is shown, so only a
    selection that differs from the last one seen counts: moving the frame slider by hand
    afterwards is not undone by the row or point still highlighted. Call it before the
    frame slider is drawn; the widgets themselves are drawn later on the page.
    """
    seen = st.session_state.setdefault("_seen_picks", {})
    picked = None
    for key, kind in ((table_key, "rows"), *((k, "points") for k in chart_keys)):
        signature = (
            table_rows(key) if kind == "rows" else _selection_signature(st.session_state.get(key), kind)
        )
        if signature and signature != seen.get(key):
            if kind == "rows" and 0 <= signature[0] < len(reps):
                picked = reps[signature[0]].bottom_s
            elif kind == "points":
                picked = signature[0]
        seen[key] = signature
    return picked


def selected_rep(reps, table_key: str) -> int | None:
    """Index of the rep whose row is ticked in the rep table (None when none is)."""
    rows = table_rows(table_key)
    return rows[0] if rows and 0 <= rows[0] < len(reps) else None


def table_rows(table_key: str) -> tuple:
    """The rows ticked in a table drawn with ``on_select=remember_rows``: its own state, or
    what was kept when another page dropped it (the ticked rep stopped looping after a look
    at another page)."""
    if table_key in st.session_state:
        return _selection_signature(st.session_state[table_key], "rows")
    return tuple(st.session_state.get(f"keep_{table_key}", ()))


def remember_rows(table_key: str) -> None:
    """``on_select`` callback: keep the ticked rows beyond this page's visit (``table_rows``)."""
    st.session_state[f"keep_{table_key}"] = list(
        _selection_signature(st.session_state.get(table_key), "rows")
    )


def kept_rows_default(table_key: str) -> dict | None:
    """``selection_default`` for a table: the kept ticks, shown again after a page switch."""
    rows = st.session_state.get(f"keep_{table_key}")
    return {"selection": {"rows": list(rows), "columns": []}} if rows else None


def rep_clip(path: str, track: PoseTrack, start_s: float, end_s: float) -> str:
    """One rep cut out of the clip with its skeleton drawn on (H.264), made once and kept.

    Streamlit's player starts and ends on whole seconds, so looping a rep inside the
    whole clip showed up to a second of the neighbouring reps at each end; a one-second
    push-up looped as three seconds of the set. The cut is a few seconds of video and
    takes a fraction of a second to write. It is named by the track's content as well as
    the times, so another model's track never reuses this one's skeleton.
    """
    name = f"rep_{track.source_hash[:12]}_{track.content_digest()[:12]}_{start_s:.3f}_{end_s:.3f}.mp4"
    out = RENDER_DIR / name
    if not out.exists():
        RENDER_DIR.mkdir(parents=True, exist_ok=True)
        render_annotated_video(path, track, out, max_side=640, start_s=start_s, end_s=end_s)
    return str(out)


def loop_rep(
    container, path: str, track: PoseTrack, start_s: float, end_s: float, max_height: int = 520
) -> None:
    """A muted player that plays one rep, exactly, over and over, no taller than ``max_height`` px.

    A portrait phone clip stretched to a column's width would fill the screen, so its
    width follows the clip's shape (as ``show_frame`` does for pictures).
    """
    portrait = track.width and track.height and track.height > track.width
    width = max(120, int(max_height * track.width / track.height)) if portrait else "stretch"
    try:
        with container.spinner("Cutting out the rep ..."):
            clip = rep_clip(path, track, start_s, end_s)
    except RepLabError as exc:
        container.error(str(exc))
        return
    container.video(clip, loop=True, autoplay=True, muted=True, width=width)


def file_stem(text: str, limit: int = 60) -> str:
    """``text`` as part of a download's file name: ASCII letters, digits, ``.``, ``-`` and
    ``_`` only, at most ``limit`` characters. An athlete typed as "A/B*?" gave a name no
    system saves; "Zoë" downloaded under a 32-digit hash in Chromium (Streamlit sends a
    Latin-1 name as raw bytes), so accents are dropped: "Zoe"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9.-]+", "_", ascii_text).strip("._")
    return stem[:limit] or "replab"


def show_frame(container, image: np.ndarray, caption: str, max_height: int = 520) -> None:
    """An image ``max_height`` px tall when portrait (phone frames would fill the screen),
    and never wider than its column.

    A portrait frame is scaled to ``max_height`` here and shown at its own width, which
    Streamlit caps at the column's: a width in pixels is not capped, and a near-square
    portrait frame (412 x 480) spilled over the rep table and the next rep card.
    """
    height, width = image.shape[:2]
    if width >= height:  # landscape: the column's width keeps it short enough
        container.image(image, caption=caption, width="stretch")
        return
    if height != max_height:  # a small frame is drawn as tall as a large one (it was, before)
        from PIL import Image

        size = (max(1, round(width * max_height / height)), max_height)
        image = np.asarray(Image.fromarray(np.ascontiguousarray(image)).resize(size, Image.BILINEAR))
    container.image(image, caption=caption, width="content")


def shade_reps(fig: go.Figure, reps, colour: str = REP_FILL, label: bool = True) -> None:
    """Rep spans as shaded bands, numbered at the top."""
    for i, rep in enumerate(reps or []):
        fig.add_vrect(
            x0=rep.start_s, x1=rep.end_s, fillcolor=colour, line_width=0, layer="below",
            annotation_text=str(i + 1) if label else None, annotation_position="top left",
        )  # fmt: skip


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


def line_chart(height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis_title="time (s)",
    )  # fmt: skip
    return fig


def warn_if_cut_short(track: PoseTrack) -> None:
    """Say so on every page that counts or judges a file that stops before its header says
    it ends (the Squat form and Compare counters pages had said nothing)."""
    if cut := cut_short_words(track.meta):
        st.warning(cut[0].upper() + cut[1:] + ".")


def summary_row(track: PoseTrack, reps_counted: int | None = None) -> None:
    """The clip's facts in one row, the rep count first: on a phone the columns stack, and
    the count people came for was on the third screen, under five technical numbers."""
    cols = st.columns(6 if reps_counted is not None else 5)
    if reps_counted is not None:
        cols, first = cols[1:], cols[0]
        first.metric("Reps counted", reps_counted)
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
        st.caption(f"The file is stored turned by {rotation}° (a phone clip); RepLab reads it upright.")
