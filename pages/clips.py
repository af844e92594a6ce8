"""The clip to analyse: a sample, an upload or a webcam recording, and where it is kept.

Why a module of its own: every clip the app analyses is a file on disk named by its
content (the pose cache and the history know a clip by its hash), so choosing, saving and
finding a clip again belong together. Uploads and recordings are stored under
``UPLOAD_DIR/<hash>/<the user's own file name>``; ``clip_path_for_hash`` finds them there
(or among the samples) for a history entry.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analysis.cache import file_hash
from analysis.errors import RepLabError
from analysis.video import VIDEO_EXTENSIONS, probe
from pages.text import literal
from pages.widgets import kept_radio, kept_selectbox

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "sample_videos"
DEFAULT_SAMPLE = "squat_side_rohanx01_1.mp4"
UPLOAD_DIR = Path(tempfile.gettempdir()) / "replab-uploads"
UPLOAD_TYPES = [ext.lstrip(".") for ext in VIDEO_EXTENSIONS]


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


def upload_limit_text() -> str:
    """The uploader's size limit as people write it ("1 GB", "200 MB"), read from Streamlit's
    ``server.maxUploadSize`` (megabytes; .streamlit/config.toml sets it), so the words
    shown can never disagree with the limit the browser applies."""
    megabytes = int(st.get_option("server.maxUploadSize"))
    return f"{megabytes / 1024:g} GB" if megabytes % 1024 == 0 else f"{megabytes} MB"


WEBCAM = "Record with webcam"


def records_with_webcam(slot: str) -> bool:
    """Whether ``slot``'s picker is on the webcam (as last chosen; a sample by default)."""
    return st.session_state.get(f"keep_source_{slot}") == WEBCAM


def pick_clip(slot: str, container, offer_left: bool = True) -> Clip | None:
    """Sample, upload or webcam chooser in ``container`` (the sidebar by default);
    ``offer_left`` as in ``pages.webcam.record_clip``."""
    box = container or st.sidebar
    samples = sample_clips()
    options = ["Sample clip", "Upload a video", WEBCAM]
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
    if source == WEBCAM:
        from pages.webcam import record_clip  # WebRTC is loaded only by those who record

        return record_clip(slot, container, offer_left)
    limit = upload_limit_text()
    uploaded = box.file_uploader(
        "Video file", type=UPLOAD_TYPES, key=f"upload_{slot}",
        # the types from the one list the upload takes: camcorder files were taken, not named (review Z)
        help=f"{', '.join(UPLOAD_TYPES[:-1])} or {UPLOAD_TYPES[-1]}, up to {limit}. Film the whole body from "
        "the side for squats.",
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
# MPEG transport streams (camcorders' .mts and .m2ts, broadcast .ts) and .3gp play in no common
# browser's player either, though RepLab reads them
NO_BROWSER_CONTAINERS = (".avi", ".ts", ".mts", ".m2ts", ".3gp")
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
