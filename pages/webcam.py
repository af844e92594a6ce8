"""Record a clip with the webcam in the browser (streamlit-webrtc) and keep it like an upload.

The browser streams the camera to this server over WebRTC; every frame it sends is
written by ``analysis.recording.FrameRecorder`` (H.264 through PyAV, the capture times
kept) and shown back as the preview. There is one recorder per browser session and picker
slot. When the person presses STOP the stream ends and the recorder finishes the file;
the script waits for that, then stores the file under its content hash exactly as an
upload is stored, so the pose cache, history and exports treat it like any other clip.
A recording whose session ended first (the tab reloaded mid-recording) is offered again,
and one too short to hold a repetition is kept for download but not analysed.
A recorder holds its recording until its session has stored it (``FrameRecorder.release``);
a session that ended cannot let go itself, so the next listing does it for it
(``_release_ended_sessions``): "left" means nobody will come back for it, not "finished a
moment ago in another tab".
No ICE servers are configured: the app works offline, and a browser on the same machine
or network reaches the server directly.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from analysis.errors import RepLabError
from analysis.files import remove_quietly
from analysis.recording import (
    SHORTEST_REP_S,
    FrameRecorder,
    LeftRecording,
    left_recordings,
    remove_stale_recordings,
    too_short_to_count,
)
from analysis.video import VideoInfo, probe
from pages.clips import UPLOAD_DIR, Clip, store_file

RECORDING_DIR = UPLOAD_DIR / "recordings"
FINISH_TIMEOUT_S = 10.0  # for the stream's end to reach the recorder after STOP

# every session's recorders on this server, with the session each belongs to (by the
# recording's path): a tab reloaded or closed cannot release its recorder's hold itself
_OWNERS: dict[str, tuple[FrameRecorder, str]] = {}
_OWNERS_LOCK = threading.Lock()


def _recorder(slot: str) -> FrameRecorder:
    """This session's recorder for ``slot`` (kept in the session: frames arrive between reruns)."""
    recorders = st.session_state.setdefault("webcam_recorders", {})
    if slot not in recorders:
        RECORDING_DIR.mkdir(parents=True, exist_ok=True)
        remove_stale_recordings(RECORDING_DIR)  # left by sessions that ended mid-recording
        recorders[slot] = FrameRecorder(RECORDING_DIR / f"{uuid.uuid4().hex}-{slot}.mp4")
    with _OWNERS_LOCK:  # on every run: a session back after a dropped connection is again its owner
        _OWNERS[recorders[slot].path] = (recorders[slot], _session_id())
    return recorders[slot]


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else ""


def session_is_active(session_id: str) -> bool:
    """Whether the tab of ``session_id`` is still connected. A reloaded or closed tab's session
    is not (Streamlit keeps it two minutes more, for a reconnection); outside a server (no
    runtime) every session counts as connected."""
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


def _release_ended_sessions() -> None:
    """Let go of the recordings of sessions whose tab is gone: they are the ones left behind."""
    with _OWNERS_LOCK:
        ended = [path for path, (_, session) in _OWNERS.items() if not session_is_active(session)]
        for path in ended:
            _OWNERS.pop(path)[0].release()


def record_clip(slot: str, container=None, offer_left: bool = True) -> Clip | None:
    """Camera preview with START/STOP; returns the last finished recording of this slot.

    ``offer_left``: list the recordings left behind under it (a page with two cameras lists
    them once, with ``offer_left_recordings``)."""
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    box = container if container is not None else st.container()
    recorder = _recorder(slot)
    box.caption(
        "Press START and allow the camera, do your set with the whole body in view, then press "
        "STOP. The recording is analysed like an uploaded clip."
    )
    if insecure := insecure_origin(st.context.url):  # the widget itself only says "mediaDevices is undefined"
        box.warning(insecure)
    with box.expander("The camera does not start?"):
        st.markdown(
            "- **NotAllowedError**: the browser refused the camera. Allow it in the site settings "
            "(the icon left of the address), then press START again.\n"
            "- **NotFoundError**: no camera was found. Plug one in, or upload a video instead.\n"
            "- **mediaDevices is undefined**: the page is not on `localhost` or HTTPS (see the README)."
        )
    status = box.empty()  # above the preview, so STOP and the state are seen together

    def record_and_show(frame):  # runs in a WebRTC worker thread for every camera frame
        recorder.write(frame)
        return frame

    with box:
        ctx = webrtc_streamer(
            key=f"webcam_{slot}",
            mode=WebRtcMode.SENDRECV,
            video_frame_callback=record_and_show,
            on_video_ended=recorder.close,
            # called before a run when the widget on screen reports a new state (START, the
            # picture coming, STOP); a page left or a clip source switched reports nothing
            on_change=functools.partial(_widget_changed, slot),
            rtc_configuration={"iceServers": []},
            media_stream_constraints={"video": True, "audio": False},
            # a portrait phone camera would otherwise push STOP below the fold; at 420 px a
            # laptop's 16:9 camera put STOP at 768-804 px of a 1024 x 700 window (review AA)
            video_html_attrs={
                "style": {"width": "100%", "maxHeight": "300px", "objectFit": "contain"},
                "autoPlay": True,
                "muted": True,
                "controls": False,
            },
        )
    live_key = f"webcam_live_{slot}"
    live_on = st.session_state.get(live_key)  # the page this slot's stream was last live on
    widget_stopped = st.session_state.pop(f"webcam_changed_{slot}", False)
    page = page_address()
    # signalling: START pressed, the stream not up yet. STOP then (within a second or two of
    # START) ended it with no frame recorded, and the page said nothing at all (review AA).
    # A widget met on another page than its stream's is a new one (its START showing): the
    # widget's state is still the old page's stream, which ended as that page was left
    live = (ctx.state.playing or ctx.state.signalling) and live_on in (None, page)
    if live:
        st.session_state[live_key] = page
        if ctx.state.playing:
            status.info("Recording. Press STOP when the set is done.")
        else:
            status.info(
                "Starting the camera ... Begin the set once the picture shows and this says Recording."
            )
        return None
    st.session_state.pop(live_key, None)
    if recorder.recording:  # the stream ended (STOP, or the page left): its end closes the file
        with st.spinner("Finishing the recording ..."):
            if not recorder.closed.wait(FINISH_TIMEOUT_S):
                recorder.close()  # the stream did not say it ended: finish it here
    if recorder.error:  # the file could not be finished (the temporary file was removed, say)
        box.error(f"The recording could not be finished ({recorder.error}). Please record again.")
        recorder.error = None
        return None
    if os.path.exists(recorder.path):
        # the widget said it stopped, on the page it recorded on: STOP (or the connection
        # lost); otherwise the stream ended unseen, because the page or the clip source changed
        if not _keep_recording(box, slot, recorder, stopped=widget_stopped and live_on == page):
            return None
    elif live_on is not None:  # START, then STOP before a frame came: the last recording is not this one
        box.warning(
            "Nothing was recorded: the camera had not sent a picture yet when the recording stopped "
            "(STOP pressed before the picture came, or the connection failed). Press START, wait for the "
            "picture and the word Recording, then do the set."
        )
    if not recorder.recording and not os.path.exists(recorder.path):
        recorder.release()  # handed over (stored, or nothing to keep): no longer anyone else's business
    clip = _last_recording(box, slot)
    if offer_left:
        offer_left_recordings(box, [slot])
    return clip


def _widget_changed(slot: str) -> None:
    """Note that the widget on screen reported a new state: only it knows that STOP was pressed."""
    st.session_state[f"webcam_changed_{slot}"] = True


def page_address() -> str:
    """The address of the page running (no query): a page change shows the widget anew."""
    return st.context.url or ""


def _keep_recording(box, slot: str, recorder: FrameRecorder, stopped: bool) -> bool:
    """Store the finished file like an upload, as this slot's recording; False if it is unreadable.

    A recording the person did not STOP (they opened another page, or chose another clip
    source, and the stream ended with it) is kept too, nothing lost, but with a note saying
    so and how long it is: it was analysed as if STOP had been pressed, without a word.
    """
    try:
        info = probe(recorder.path)
    except RepLabError as exc:
        os.remove(recorder.path)
        box.error(f"The recording could not be read ({exc}). Please record again.")
        return False
    name = time.strftime("webcam %Y-%m-%d %H-%M-%S.mp4")
    # moves it: the next START starts afresh
    _store_recording(slot, recorder.path, name, info, None if stopped else interrupted_words(info))
    return True


def _store_recording(slot: str, path: str, name: str, info: VideoInfo, note: str | None) -> None:
    """Store the file at ``path`` like an upload, as this slot's last recording, with ``note``;
    one too short to hold a repetition is kept (to download) with a word, not analysed."""
    st.session_state[f"keep_recording_{slot}"] = store_file(path, name, kind="recording")
    short = too_short_to_count(info.duration_s)
    st.session_state[f"recording_note_{slot}"] = too_short_words(info) if short else note
    st.session_state[f"recording_analysed_{slot}"] = not short


def too_short_words(info: VideoInfo) -> str:
    """What to say about a recording too short to hold one repetition (STOP soon after START)."""
    return (
        f"The recording is only {info.duration_s:.1f} s long ({info.frame_count} frames): shorter than the "
        f"quickest repetition RepLab counts ({SHORTEST_REP_S:g} s), so it was not analysed. It can still be "
        "downloaded below. Press START, wait for the picture and the word Recording, do the whole set, "
        "then press STOP."
    )


def interrupted_words(info: VideoInfo) -> str:
    """What to say about a recording that ended when its page was left, not by STOP."""
    return (
        f"The recording stopped when you went to another page or chose another clip, after "
        f"{info.duration_s:.1f} s ({info.frame_count} frames), not by STOP. It is kept and analysed "
        "below; record again if the set was not finished."
    )


def _last_recording(box, slot: str) -> Clip | None:
    """This slot's last recording, with its download and any note on how it ended; or None."""
    kept = st.session_state.get(f"keep_recording_{slot}")
    if kept is None or not os.path.exists(kept.path):
        return None
    if note := st.session_state.get(f"recording_note_{slot}"):
        box.warning(note)
    analysed = st.session_state.get(f"recording_analysed_{slot}", True)
    if analysed:
        box.caption(f"Using the last recording: {kept.name}")
    box.download_button(
        f"Download your recording: {kept.name}",
        lambda: Path(kept.path).read_bytes(),  # read when pressed, not on every rerun
        file_name=kept.name,
        mime="video/mp4",
        key=f"download_recording_{slot}",
        help="The video as the camera sent it, before any analysis (H.264 .mp4, no drawings).",
    )
    return kept if analysed else None


def offer_left_recordings(box, slots: list[str]) -> None:
    """The recordings that sessions ended before storing (a tab reloaded or closed mid-recording),
    each once with its time and length, to analyse as one of ``slots``' recording, download or
    delete: they were out of reach until deleted a day later (``analysis.recording.left_recordings``
    says why they are shown). Side by side listed them under both cameras: one recording twice."""
    _release_ended_sessions()
    left = left_recordings(RECORDING_DIR)
    if failed := st.session_state.pop("left_recording_failed", None):
        box.error(failed)
    if not left or not slots:
        return
    with box.container(border=True, key=f"left_recordings_{''.join(slots)}"):
        st.markdown("**Recordings not analysed**")
        st.caption(
            "Left when a tab was reloaded or closed while recording. They stay on this computer for a day "
            "after they were made, then are deleted."
        )
        for item in left:
            _left_recording_row(slots, item)


def _left_recording_row(slots: list[str], item: LeftRecording) -> None:
    """One left recording: when it ended and how long it is, and its buttons (Analyse per slot)."""
    ended = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.ended))
    key = f"{''.join(slots)}_{Path(item.path).stem}"
    row = st.container(horizontal=True, vertical_alignment="center", key=f"left_row_{key}")
    row.markdown(f"{ended}, {item.duration_s:.1f} s")
    for slot in slots:
        label = "Analyse" if len(slots) == 1 else f"Analyse as clip {slot.upper()}"
        row.button(label, key=f"left_analyse_{slot}_{key}", on_click=_take_left_recording, args=(slot, item))
    row.download_button(
        "Download",
        lambda: Path(item.path).read_bytes(),  # gone since listed: no file (it was an empty one), and
        file_name=_recording_name(item),
        mime="video/mp4",
        key=f"left_download_{key}",
        on_click=_say_if_gone,  # ... a word why
        args=(item,),
    )
    row.button("Delete", key=f"left_delete_{key}", on_click=remove_quietly, args=(item.path,))


GONE_WORDS = "That recording is no longer here: it was analysed or deleted meanwhile, in another tab."


def _say_if_gone(item: LeftRecording) -> None:
    """Download button: a recording taken since it was listed (another tab analysed or deleted
    it) downloads nothing; say why, and the list shows it no more."""
    if not os.path.exists(item.path):
        st.session_state["left_recording_failed"] = GONE_WORDS


def _recording_name(item: LeftRecording) -> str:
    """The name a recording made then would have had: its end, as STOP names one."""
    return time.strftime("webcam %Y-%m-%d %H-%M-%S.mp4", time.localtime(item.ended))


def _take_left_recording(slot: str, item: LeftRecording) -> None:
    """Analyse button: store the left recording as this slot's last one (before the run).

    It may have gone since it was listed: another tab took it or deleted it, even between
    the probe and the move (two tabs pressing Analyse together raised FileNotFoundError)."""
    try:
        _store_recording(slot, item.path, _recording_name(item), probe(item.path), None)
    except (RepLabError, OSError) as exc:
        gone = not os.path.exists(item.path)
        st.session_state["left_recording_failed"] = (
            GONE_WORDS if gone else f"That recording cannot be read any more ({exc})."
        )


def insecure_origin(url: str | None) -> str | None:
    """Why the browser will not lend this page a camera, or None: browsers give one only to
    HTTPS pages and to ``localhost``, so the address Streamlit prints as "Network URL" (how
    a phone on the same Wi-Fi opens it) gets a red box reading "navigator.mediaDevices is
    undefined" and nothing more."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return None
    port = f":{parts.port}" if parts.port else ""
    return (
        f"This page is open at {parts.scheme}://{parts.netloc}: browsers lend a camera only to HTTPS "
        f"pages and to http://localhost. Open http://localhost{port} on the computer running RepLab, "
        "or start RepLab with HTTPS (see the README) to record from another device."
    )
