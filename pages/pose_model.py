"""The pose model of this session: the built-in BlazePose, or the user's own ``.task`` file.

Why a module of its own: the model is chosen once in the sidebar and applies to every pose
pass of the session (``pose_settings``); a ``.task`` file is checked once, when it is
uploaded, and kept under a hash of its bytes beside the uploaded clips.
"""

from __future__ import annotations

import hashlib
import os

import streamlit as st

from analysis.errors import RepLabError
from analysis.pose import PoseSettings, check_pose_model
from pages.clips import UPLOAD_DIR

MODEL_DIR = UPLOAD_DIR / "models"
BUILT_IN_MODEL = "Built-in (BlazePose full, offline)"


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
