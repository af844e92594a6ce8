"""Record a clip with the webcam in the browser (streamlit-webrtc) and keep it like an upload.

The browser streams the camera to this server over WebRTC; every frame it sends is
written by ``analysis.recording.FrameRecorder`` (H.264 through PyAV, the capture times
kept) and shown back as the preview. There is one recorder per browser session and picker
slot. When the person presses STOP the stream ends and the recorder finishes the file;
the script waits for that, then stores the file under its content hash exactly as an
upload is stored, so the pose cache, history and exports treat it like any other clip.
No ICE servers are configured: the app works offline, and a browser on the same machine
or network reaches the server directly.
"""

from __future__ import annotations

import os
import time
import uuid
from urllib.parse import urlsplit

import streamlit as st

from analysis.errors import RepLabError
from analysis.recording import FrameRecorder, remove_stale_recordings
from analysis.video import probe
from pages.clips import UPLOAD_DIR, Clip, store_file

RECORDING_DIR = UPLOAD_DIR / "recordings"
FINISH_TIMEOUT_S = 10.0  # for the stream's end to reach the recorder after STOP


def _recorder(slot: str) -> FrameRecorder:
    """This session's recorder for ``slot`` (kept in the session: frames arrive between reruns)."""
    recorders = st.session_state.setdefault("webcam_recorders", {})
    if slot not in recorders:
        RECORDING_DIR.mkdir(parents=True, exist_ok=True)
        remove_stale_recordings(RECORDING_DIR)  # left by sessions that ended mid-recording
        recorders[slot] = FrameRecorder(RECORDING_DIR / f"{uuid.uuid4().hex}-{slot}.mp4")
    return recorders[slot]


def record_clip(slot: str, container=None) -> Clip | None:
    """Camera preview with START/STOP; returns the last finished recording of this slot."""
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
    kept_key = f"keep_recording_{slot}"
    playing_key = f"webcam_playing_{slot}"
    was_playing = st.session_state.get(playing_key, False)
    # signalling: START pressed, the stream not up yet. STOP then (within a second or two of
    # START) ended it with no frame recorded, and the page said nothing at all (review AA)
    st.session_state[playing_key] = ctx.state.playing or ctx.state.signalling
    if ctx.state.playing:
        status.info("Recording. Press STOP when the set is done.")
        return None
    if ctx.state.signalling:
        status.info("Starting the camera ... Begin the set once the picture shows and this says Recording.")
        return None
    if recorder.recording:  # STOP pressed: the stream's end closes the file
        with st.spinner("Finishing the recording ..."):
            if not recorder.closed.wait(FINISH_TIMEOUT_S):
                recorder.close()  # the stream did not say it ended: finish it here
    if recorder.error:  # the file could not be finished (the temporary file was removed, say)
        box.error(f"The recording could not be finished ({recorder.error}). Please record again.")
        recorder.error = None
        return None
    if os.path.exists(recorder.path):
        try:
            probe(recorder.path)
        except RepLabError as exc:
            os.remove(recorder.path)
            box.error(f"The recording could not be read ({exc}). Please record again.")
            return None
        name = time.strftime("webcam %Y-%m-%d %H-%M-%S.mp4")
        clip = store_file(recorder.path, name, kind="recording")  # moves it: the next START starts afresh
        st.session_state[kept_key] = clip
        return clip
    if was_playing:  # START, then STOP before a frame came: the last recording is not this one
        box.warning(
            "Nothing was recorded: the camera had not sent a picture yet when the recording stopped "
            "(STOP pressed before the picture came, or the connection failed). Press START, wait for the "
            "picture and the word Recording, then do the set."
        )
    kept = st.session_state.get(kept_key)
    if kept is not None and os.path.exists(kept.path):
        box.caption(f"Using the last recording: {kept.name}")
        return kept
    return None


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
