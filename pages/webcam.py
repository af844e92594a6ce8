"""Record a clip with the webcam in the browser (streamlit-webrtc) and keep it like an upload.

The browser streams the camera to this server over WebRTC; aiortc's ``MediaRecorder``
writes the frames it receives into an H.264 mp4 (PyAV's bundled libx264), one file per
browser session and picker slot. When the person presses STOP the file is finished in the
WebRTC thread; the script waits until it can be read, then stores it under its content
hash exactly as an upload is stored, so the pose cache, history and exports treat it like
any other clip. No ICE servers are configured: the app works offline, and a browser on
the same machine or network reaches the server directly.
"""

from __future__ import annotations

import os
import time
import uuid

import streamlit as st

from analysis.errors import RepLabError
from analysis.video import probe
from pages.common import UPLOAD_DIR, Clip, store_file

RECORDING_DIR = UPLOAD_DIR / "recordings"
FINISH_TIMEOUT_S = 15.0  # the recorder closes the mp4 (writes its index) after STOP


def _recording_path(slot: str) -> str:
    session = st.session_state.setdefault("webcam_session", uuid.uuid4().hex)
    RECORDING_DIR.mkdir(parents=True, exist_ok=True)
    return str(RECORDING_DIR / f"{session}-{slot}.mp4")


def _finished(path: str, timeout_s: float = FINISH_TIMEOUT_S) -> bool:
    """Wait until the recorder has closed ``path`` (it reads as a video with frames)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            try:
                probe(path)
                return True
            except RepLabError:
                pass
        time.sleep(0.25)
    return False


def record_clip(slot: str, container=None) -> Clip | None:
    """Camera preview with START/STOP; returns the last finished recording of this slot."""
    from aiortc.contrib.media import MediaRecorder
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    box = container if container is not None else st.container()
    path = _recording_path(slot)
    box.caption(
        "Press START and allow the camera, do your set with the whole body in view, then press "
        "STOP. The recording is analysed like an uploaded clip."
    )
    status = box.empty()  # above the preview, so STOP and the state are seen together
    with box:
        ctx = webrtc_streamer(
            key=f"webcam_{slot}",
            mode=WebRtcMode.SENDRECV,
            in_recorder_factory=lambda: MediaRecorder(path, format="mp4"),
            rtc_configuration={"iceServers": []},
            media_stream_constraints={"video": True, "audio": False},
            # a portrait phone camera would otherwise push STOP below the fold
            video_html_attrs={
                "style": {"width": "100%", "maxHeight": "420px", "objectFit": "contain"},
                "autoPlay": True,
                "muted": True,
                "controls": False,
            },
        )
    kept_key = f"keep_recording_{slot}"
    if ctx.state.playing:
        status.info("Recording. Press STOP when the set is done.")
        return None
    if os.path.exists(path):
        with st.spinner("Finishing the recording ..."):
            done = _finished(path)
        if not done:
            box.error("The recording could not be read (it may have been too short). Please record again.")
            os.remove(path)
            return None
        name = time.strftime("webcam %Y-%m-%d %H-%M-%S.mp4")
        clip = store_file(path, name, kind="recording")  # moves it: the next START starts afresh
        st.session_state[kept_key] = clip
        return clip
    kept = st.session_state.get(kept_key)
    if kept is not None and os.path.exists(kept.path):
        box.caption(f"Using the last recording: {kept.name}")
        return kept
    return None
