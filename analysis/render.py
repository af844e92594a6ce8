"""Drawing poses on frames and writing annotated clips a browser can play.

Why this exists: a coach trusts a rep count only after seeing it on the athlete's own
video. The annotated clip shows the skeleton the counter saw, a running rep counter and,
for squats, each rep's verdict. It is written as H.264 in yuv420p with even frame sizes
and the source's real timestamps: the only combination every browser's ``<video>`` (and
so ``st.video``) plays. Frames are streamed in and out one at a time, so a long 1080p
clip never sits in memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction

import av
import cv2
import numpy as np

from analysis.files import remove_stale_files, replaced
from analysis.landmarks import SKELETON_EDGES
from analysis.track import PoseTrack
from analysis.video import iter_frames, probe
from analysis.wording import verdict_words

ProgressFn = Callable[[int, int], None]

# Colours are RGB (frames are RGB throughout RepLab).
LEFT_COLOUR = (255, 140, 0)
RIGHT_COLOUR = (0, 170, 255)
CENTRE_COLOUR = (235, 235, 235)
# a good rep light blue, a fault orange: told apart with red-green colour blindness (the green and
# red were one olive to a deuteranope), both 7:1 on the label box (the red was 3.4:1)
GOOD_COLOUR = (90, 180, 255)
BAD_COLOUR = (255, 150, 60)
UNJUDGED_COLOUR = (200, 200, 200)
TIME_BASE = Fraction(1, 90000)  # MPEG's clock: exact for 23.976, 25, 29.97, 30, 60 fps


def h264_encoder_name() -> str:
    """The first H.264 encoder this PyAV build has (libx264 when present)."""
    for name in ("libx264", "h264", "libopenh264"):
        if name in av.codecs_available:
            return name
    raise RuntimeError("this PyAV build has no H.264 encoder (libx264, h264 or libopenh264)")


def add_h264_stream(container, width: int, height: int, rate, crf: int = 23):
    """An H.264 (yuv420p) stream on ``TIME_BASE``, so frames keep their own times.

    Browsers play it (``st.video``); the size is rounded down to even numbers, as
    yuv420p needs.
    """
    codec = h264_encoder_name()
    stream = container.add_stream(codec, rate=rate)
    stream.width, stream.height = width // 2 * 2, height // 2 * 2
    stream.pix_fmt = "yuv420p"
    stream.time_base = TIME_BASE
    stream.codec_context.time_base = TIME_BASE  # else pts are rounded to the frame rate
    if codec.startswith("libx264"):
        stream.options = {"crf": str(crf), "preset": "veryfast"}
    return stream


def _open_mp4(path: str) -> av.container.OutputContainer:
    """An MP4 to write, its index first ("faststart"), so a browser starts playing before the
    whole file arrives."""
    return av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"})


def _encode_rgb(container, stream, rgb: np.ndarray, pts: int) -> None:
    """One RGB picture into ``stream`` at ``pts`` (in ``TIME_BASE``), as yuv420p."""
    video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    video_frame.pts = pts
    video_frame.time_base = TIME_BASE
    for packet in stream.encode(video_frame.reformat(format="yuv420p")):
        container.mux(packet)


def _flush(container, stream) -> None:
    """The frames ``stream``'s encoder still holds, written out."""
    for packet in stream.encode():
        container.mux(packet)


def _side_colour(a: int, b: int) -> tuple[int, int, int]:
    # MediaPipe numbers left landmarks odd and right ones even from 11 (shoulders) on.
    if a >= 11 and b >= 11:
        if a % 2 == 1 and b % 2 == 1:
            return LEFT_COLOUR
        if a % 2 == 0 and b % 2 == 0:
            return RIGHT_COLOUR
    return CENTRE_COLOUR


def draw_skeleton(
    rgb: np.ndarray,
    landmarks_row: np.ndarray,
    visibility_row: np.ndarray | None = None,
    min_visibility: float = 0.3,
    thickness: int | None = None,
    edges: Sequence[tuple[int, int]] = SKELETON_EDGES,
) -> np.ndarray:
    """Draw one frame's skeleton onto a copy of ``rgb`` and return it.

    Args:
        rgb: (H, W, 3) uint8 upright frame.
        landmarks_row: (33, 2 or 3) normalised image landmarks (x, y in 0..1); NaN = unknown.
        visibility_row: (33,) MediaPipe visibility; points below ``min_visibility`` are skipped.
        thickness: line width in pixels (scaled to the frame size when None).
        edges: landmark index pairs to join (left side orange, right side blue).
    """
    out = np.ascontiguousarray(rgb).copy()
    height, width = out.shape[:2]
    if landmarks_row is None:
        return out
    points = np.asarray(landmarks_row, dtype=np.float64)[:, :2]
    usable = np.isfinite(points).all(axis=1)
    if visibility_row is not None:
        vis = np.asarray(visibility_row, dtype=np.float64)
        usable &= ~(np.isfinite(vis) & (vis < min_visibility))
    if not usable.any():
        return out
    line = thickness or max(2, int(round(max(height, width) / 300)))
    pixels = np.zeros((len(points), 2), dtype=np.int64)
    pixels[usable] = np.round(points[usable] * [width, height]).astype(np.int64)
    for a, b in edges:
        if usable[a] and usable[b]:
            cv2.line(out, tuple(map(int, pixels[a])), tuple(map(int, pixels[b])), _side_colour(a, b), line,
                     cv2.LINE_AA)  # fmt: skip
    joints = {i for edge in edges for i in edge}
    for i in sorted(joints):
        if usable[i]:
            cv2.circle(out, tuple(map(int, pixels[i])), line + 1, (255, 255, 255), -1, cv2.LINE_AA)
            cv2.circle(out, tuple(map(int, pixels[i])), line + 1, (40, 40, 40), 1, cv2.LINE_AA)
    return out


def _label_box(rgb: np.ndarray, lines: list[tuple[str, tuple[int, int, int]]]) -> None:
    """Text lines on a dark box in the top-left corner (in place)."""
    height, width = rgb.shape[:2]
    scale = max(0.6, max(width, height) / 1000)
    # smaller where the longest line would run off the picture: on a portrait phone clip 405 px
    # wide, "Rep 12: not judged (not seen well enough)" needs 514 px at the usual size
    widest = max(cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)[0][0] for text, _ in lines)
    scale *= min(1.0, 0.95 * width / (widest + 20 * scale))
    thick = max(1, int(round(scale * 2)))
    pad = int(10 * scale)
    sizes = [cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)[0] for text, _ in lines]
    box_w = max(w for w, _ in sizes) + 2 * pad
    line_h = max(h for _, h in sizes) + pad
    box_h = line_h * len(lines) + pad
    overlay = rgb[:box_h, :box_w].astype(np.float32)
    rgb[:box_h, :box_w] = (overlay * 0.35).astype(np.uint8)
    y = pad
    for (text, colour), (_, h) in zip(lines, sizes):
        y += h
        cv2.putText(rgb, text, (pad, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)
        y += pad


def _attr(item, name: str, default=None):
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def overlay_lines(time_s: float, reps: Sequence | None, verdicts: Sequence | None) -> list:
    """Text shown on a frame at ``time_s``: reps finished so far and the last verdict.

    With verdicts, the count is of squats, as on the pages and in the history: a movement
    found not to be one (a lifter dropping to the floor) is named but not counted (the video
    of a 12-squat clip said "Reps: 13/13"; review N).

    ``reps`` are objects or dicts with ``start_s``/``bottom_s``/``end_s``, or a
    ``CountResult`` (its ``reps``, as ``assess_squat_reps`` takes it); ``verdicts`` are
    objects or dicts with ``end_s``, ``label`` and ``good`` (one per rep).
    """
    reps = getattr(reps, "reps", reps)  # a CountResult failed: "object is not iterable"
    lines: list[tuple[str, tuple[int, int, int]]] = []
    if reps is None:
        return lines
    in_rep = any(_attr(rep, "start_s", 0) <= time_s < _attr(rep, "end_s", 0) for rep in reps)
    if verdicts:  # a movement the form check found not to be a squat is no rep of the count
        from analysis.form.verdict import NOT_A_SQUAT

        left_out = {
            int(_attr(v, "index", i)) for i, v in enumerate(verdicts) if _attr(v, "label") == NOT_A_SQUAT
        }
        reps = [rep for i, rep in enumerate(reps) if i not in left_out]
    done = sum(1 for rep in reps if _attr(rep, "end_s", np.inf) <= time_s)
    lines.append((f"Reps: {done}/{len(reps)}" + ("  (in rep)" if in_rep else ""), (255, 255, 255)))
    if verdicts:
        finished = [v for v in verdicts if _attr(v, "end_s", np.inf) <= time_s]
        if finished:
            last = finished[-1]
            good = bool(_attr(last, "good", False))
            label = str(_attr(last, "label", "good" if good else "fault"))
            index = _attr(last, "index", len(finished) - 1)
            judged = bool(_attr(last, "judged", True))  # "not a squat" / "unknown": no verdict, grey
            colour = GOOD_COLOUR if good else (BAD_COLOUR if judged else UNJUDGED_COLOUR)
            # as the pages word it: a good rep's style alone, in green, had said "good" by colour only
            lines.append((f"Rep {int(index) + 1}: {verdict_words(label, good)}", colour))
    return lines


def render_annotated_video(
    video_path: str | os.PathLike,
    track: PoseTrack,
    out_path: str | os.PathLike,
    reps: Sequence | None = None,
    verdicts: Sequence | None = None,
    progress: ProgressFn | None = None,
    max_side: int | None = 720,
    crf: int = 23,
    start_s: float = 0.0,
    end_s: float | None = None,
) -> str:
    """Write ``video_path`` with the skeleton and a rep counter drawn on, as H.264 mp4.

    ``reps``: the counter's reps (``count_reps(...).reps``, the ``CountResult`` itself, or
    dicts with ``start_s``, ``bottom_s`` and ``end_s``); ``verdicts``: for squats, the
    ``assess_squat_reps`` verdicts of those reps, each written on the video as its rep ends
    (see ``overlay_lines``). Without reps only the skeleton is drawn.
    Each output frame keeps its source presentation time, so variable-frame-rate phone
    clips stay in sync with their track. ``start_s`` and ``end_s`` cut out a stretch (one
    rep, to play in a loop): its frames are stamped from 0, since a browser's player starts
    a file at 0, and Streamlit's own start and end times are whole seconds, too coarse for a
    one-second push-up. Returns the output path. The file is moved into place only when
    complete, from a temporary name of its own (``analysis.files``: two browser tabs may
    render the same video at once).
    """
    info = probe(video_path)
    out_path = os.fspath(out_path)
    span = (end_s if end_s is not None else info.duration_s) - start_s
    total = max(1, min(info.frame_count, int(round(span * info.fps)) + 1))
    with replaced(out_path, ".mp4") as tmp_path:
        container = _open_mp4(tmp_path)
        try:
            stream = None
            last_pts = -1
            frames = iter_frames(
                video_path, start_s=start_s, end_s=end_s, max_side=max_side, true_colour=True
            )
            for done, frame in enumerate(frames, start=1):
                rgb = frame.rgb
                if stream is None:
                    rate = Fraction(info.fps).limit_denominator(100000)
                    stream = add_h264_stream(container, rgb.shape[1], rgb.shape[0], rate, crf)
                rgb = rgb[: stream.height, : stream.width]
                if len(track):
                    i = track.frame_at(frame.time_s)
                    rgb = draw_skeleton(rgb, track.landmarks[i], track.visibility[i])
                lines = overlay_lines(frame.time_s, reps, verdicts)
                if lines:
                    _label_box(rgb, lines)
                # strictly increasing
                last_pts = max(int(round((frame.time_s - start_s) / TIME_BASE)), last_pts + 1)
                _encode_rgb(container, stream, rgb, last_pts)
                if progress and done % 10 == 0:
                    progress(min(done, total), total)
            if stream is not None:
                _flush(container, stream)
        finally:
            container.close()
    if progress:
        progress(total, total)
    return out_path


def _frames_at(video_path: str | os.PathLike, times: Sequence[float], max_side: int) -> Iterator[np.ndarray]:
    """For each of ``times`` (increasing), the frame shown then: the last one starting at or
    before it (the first frame for a time before it). Streamed: one pass over the span."""
    frames = iter_frames(
        video_path,
        start_s=max(0.0, times[0] - 1.0),
        end_s=times[-1] + 1e-3,
        max_side=max_side,
        true_colour=True,
    )
    shown = next(frames, None)
    upcoming = next(frames, None)
    for time_s in times:
        while upcoming is not None and upcoming.time_s <= time_s + 1e-6:
            shown, upcoming = upcoming, next(frames, None)
        if shown is None:
            raise ValueError(f"{os.path.basename(os.fspath(video_path))}: no frame near {time_s:.2f} s")
        yield shown


def render_reps_in_step(
    sides: Sequence[tuple[str | os.PathLike, PoseTrack, object]],
    out_path: str | os.PathLike,
    height: int = 480,
    fps: float = 30.0,
    labels: Sequence[str] = ("A", "B"),
) -> str:
    """Two (or more) reps next to each other in one H.264 clip, in step: each output frame
    shows every rep at the same phase (start, turning point halfway, end), with its skeleton.

    ``sides``: (video path, track, rep) each, a rep with ``time_at_phase``. The clip lasts as
    long as the slowest rep, which plays at its own speed; the others are slowed to match.
    Two players looping their own reps drifted apart at once: a 3.1 s rep beside a 1.5 s one
    was standing while the other was at the bottom, half a rep out (review X).
    """
    duration = max(rep.end_s - rep.start_s for _, _, rep in sides)
    count = max(2, int(round(duration * fps)) + 1)
    phases = np.linspace(0.0, 1.0, count)
    readers = [
        _frames_at(path, [rep.time_at_phase(p) for p in phases], max_side=max(height, 2) * 2)
        for path, _, rep in sides
    ]
    out_path = os.fspath(out_path)
    with replaced(out_path, ".mp4") as tmp_path:
        container = _open_mp4(tmp_path)
        try:
            stream = None
            for i in range(count):
                panels = []
                for (_, track, _), reader, label in zip(sides, readers, labels):
                    frame = next(reader)
                    rgb = frame.rgb
                    if len(track):
                        k = track.frame_at(frame.time_s)
                        rgb = draw_skeleton(rgb, track.landmarks[k], track.visibility[k])
                    width = max(2, int(round(rgb.shape[1] * height / rgb.shape[0])))
                    rgb = np.ascontiguousarray(cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA))
                    _label_box(rgb, [(f"{label} {frame.time_s:.2f} s", CENTRE_COLOUR)])
                    panels.append(rgb)
                gap = np.full((height, 8, 3), 24, np.uint8)
                picture = np.concatenate([part for panel in panels for part in (panel, gap)][:-1], axis=1)
                if stream is None:
                    stream = add_h264_stream(
                        container, picture.shape[1], picture.shape[0], Fraction(fps).limit_denominator(1000)
                    )
                _encode_rgb(
                    container,
                    stream,
                    picture[: stream.height, : stream.width],
                    int(round(i / fps / TIME_BASE)),
                )
            _flush(container, stream)
        finally:
            container.close()
    return out_path


RENDER_MAX_AGE_S = 86400.0  # a day: renders are kept for the sessions of the day, then cleared


def render_file_name(source_hash: str, key) -> str:
    """The file name of an annotated render, from what it shows (``key``: the track's content,
    exercise, reps, strictness...). It was ``hash(key)``, which Python salts per process: each
    server start rendered the same video again under a new name, and the copies piled up.
    A sha256 of the key's ``repr`` is the same name for the same render in every process."""
    digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:20]
    return f"{source_hash[:16]}_{digest}.mp4"


def reused_render(path: str | os.PathLike) -> bool:
    """Whether a finished render is already at ``path`` (renders are moved into place whole);
    its time is renewed, so ``remove_stale_renders`` keeps a render in use."""
    try:
        os.utime(path)
    except OSError:
        return False
    return True


def remove_stale_renders(folder: str | os.PathLike, max_age_s: float = RENDER_MAX_AGE_S) -> int:
    """Delete the files in ``folder`` untouched for ``max_age_s``; returns how many.

    The renders folder (annotated videos, reps cut out to loop) was never cleared: every
    render of every session stayed in the system's temporary folder. A render is made again
    when asked for and missing, so one a day old is only taking room. A render being written
    is under a temporary name written every frame, so it is never stale.
    """
    return remove_stale_files(folder, max_age_s)
