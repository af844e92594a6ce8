"""Pictures and videos of the clip with its skeleton drawn: one frame, or one rep looped.

Why a module of its own: the pages show the moment picked (a frame, its skeleton drawn,
sized for phones' portrait clips) and the rep chosen (cut out of the clip and looped);
both read the video again, so frames are cached and rep cuts are written once and kept
under ``common.RENDER_DIR``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from analysis.errors import RepLabError
from analysis.render import draw_skeleton, render_annotated_video, render_file_name, render_reps_in_step
from analysis.track import PoseTrack
from analysis.video import frames_at, read_frame
from pages.common import RENDER_DIR


@st.cache_data(show_spinner=False, max_entries=128)
def _frame_cached(path: str, time_s: float, max_side: int) -> np.ndarray:
    return read_frame(path, time_s, max_side=max_side)


@st.cache_resource(show_spinner=False, max_entries=4)
def _frame_store(path: str, max_side: int) -> dict[float, np.ndarray]:
    """The frames of one clip read so far at one size, by time (``read_frames`` adds to it).

    Kept per clip, not per set of times: keyed by the rep cards shown, a strictness step that
    showed other cards read their frames again (2.5 s on a 3-minute set, review AQ). Kept as
    an object: 78 frames at 480 px are about 30 MB, which ``cache_data`` copied on every run.
    """
    return {}


def read_frames(path: str, times, max_side: int, progress=None) -> dict[float, np.ndarray]:
    """The clip's frames at ``times`` (and all read before), reading those not read yet in one
    pass over the clip (``frames_at``): one at a time, 78 rep cards took 20 s (reviews AE, AF).

    ``progress(done, total)`` is called after each frame read: a Streamlit call there lets a
    rerun (a strictness step) stop the pass, and what was read is kept.
    """
    store = _frame_store(path, max_side)
    missing = sorted({float(time_s) for time_s in times} - store.keys())
    if not missing:
        return store
    for done, (time_s, rgb) in enumerate(frames_at(path, missing, max_side=max_side), 1):
        store[time_s] = rgb
        if progress is not None:
            progress(done, len(missing))
    return store


def _skeleton_drawn(rgb: np.ndarray, track: PoseTrack, time_s: float) -> np.ndarray:
    i = track.frame_at(time_s)
    return draw_skeleton(rgb, track.landmarks[i], track.visibility[i])


def frame_with_skeleton(path: str, track: PoseTrack, time_s: float, max_side: int = 720) -> np.ndarray | None:
    """The frame shown at ``time_s`` with the track's skeleton drawn (None if unreadable)."""
    try:
        rgb = _frame_cached(path, float(time_s), max_side)
    except RepLabError as exc:
        st.warning(str(exc))
        return None
    return _skeleton_drawn(rgb, track, time_s)


def frames_with_skeleton(
    path: str, track: PoseTrack, times: list[float], max_side: int = 720
) -> list[np.ndarray | None]:
    """``frame_with_skeleton`` for each of ``times`` (the rep cards' frames), those not read
    before read in one pass over the clip (``read_frames``)."""
    times = [float(time_s) for time_s in times]
    try:
        read = read_frames(path, times, max_side)
    except RepLabError:  # a moment that cannot be read: each frame alone, so only its card says why
        return [frame_with_skeleton(path, track, time_s, max_side) for time_s in times]
    return [_skeleton_drawn(read[time_s], track, time_s) for time_s in times]


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


def loop_reps_in_step(container, sides: list, labels: list[str], height: int = 400) -> None:
    """One muted player looping two reps next to each other, in step (``render_reps_in_step``):
    both at their start, their turning point and their end at the same moment. Two players,
    one per rep, drifted half a rep apart at once (review X). ``sides``: (path, track, rep)."""
    key = tuple((track.content_digest(), round(rep.start_s, 3), round(rep.bottom_s, 3), round(rep.end_s, 3))
                for _, track, rep in sides) + (tuple(labels), height)  # fmt: skip
    out = RENDER_DIR / render_file_name("steps_" + sides[0][1].source_hash, key)
    if not out.exists():
        RENDER_DIR.mkdir(parents=True, exist_ok=True)
        try:
            with container.spinner("Putting the two reps in step ..."):
                render_reps_in_step(sides, out, height=height, labels=labels)
        except (RepLabError, ValueError) as exc:
            container.error(str(exc))
            return
    container.video(str(out), loop=True, autoplay=True, muted=True)
