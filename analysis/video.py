"""Reading clips with PyAV: streamed frames, real timestamps, upright orientation.

Why PyAV and not OpenCV: phones record variable frame rate, so a frame's time must come
from its presentation timestamp, not from ``index / fps``; and phones store portrait
clips as landscape pixels plus a rotation in the container, which OpenCV's reader does
not always honour. Frames are decoded one at a time so a long 1080p clip never sits in
memory whole.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from analysis.errors import VideoError

# camcorder (.mts, .m2ts), broadcast (.ts) and older phones' (.3gp) files too: read alike, they
# had been skipped by `batch` and refused by the upload (review S)
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv", ".ts", ".mts", ".m2ts", ".3gp")


@dataclass(frozen=True)
class VideoInfo:
    """What a clip is, as read from its container (sizes are after rotation)."""

    path: str
    width: int
    height: int
    fps: float
    duration_s: float
    frame_count: int  # exact when the container says so, otherwise estimated from fps
    rotation: int  # degrees counter-clockwise applied to make the picture upright
    codec: str
    start_s: float = 0.0  # time of the first frame (an edited phone clip may start later than 0)
    # where the header says the clip ends, when that is later than the file's own last packet
    # (a Matroska/WebM file cut short, whose length is read off the packets); None otherwise
    header_end_s: float | None = None
    # where the stream's duration is counted from, when the header says (its first packet's
    # time); the first decodable frame may come later (a clip cut without its first keyframe)
    stream_start_s: float | None = None
    # stored mirrored (a front camera): ``rotation`` then reads the mirror as a half turn
    mirrored: bool = False
    # the file stops inside a box or packet, in a container whose header gives no length
    # (a fragmented MP4, an MPEG-TS): cut short, where it ends is not known
    cut_inside: bool = False

    @property
    def announced_end_s(self) -> float:
        """Where the clip should end: the frames read are compared with it (``ends_early``)."""
        if self.header_end_s is not None:
            return self.header_end_s
        # the stream's length runs from its own start: counted from the first decodable frame
        # instead, a complete clip cut without its first keyframe was called "cut short"
        origin = self.stream_start_s if self.stream_start_s is not None else self.start_s
        return origin + self.duration_s


@dataclass
class Frame:
    """One decoded, upright RGB frame and its presentation time in seconds."""

    index: int
    time_s: float
    rgb: np.ndarray  # (height, width, 3) uint8


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise VideoError(f"{os.path.basename(path)}: file not found.")
    if os.path.getsize(path) == 0:
        raise VideoError(f"{os.path.basename(path)}: the file is empty.")
    try:
        container = av.open(path, metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if mp4_without_index(path):
            raise VideoError(
                f"{os.path.basename(path)}: the file is incomplete: an MP4 whose index (written last, "
                "when a recording ends) is missing. The recording, copy or upload was cut short; "
                "copy or upload the whole file again."
            ) from None
        if isinstance(exc, av.error.EOFError) and _starts_with(path, EBML_MAGIC):
            # a WebM/Matroska recording cut before its first frame (an interrupted upload
            # from a browser or webcam recorder) had been called "not a video file" (review S)
            raise VideoError(
                f"{os.path.basename(path)}: the file is incomplete: a WebM/Matroska recording that "
                "stops before its first frame. The recording, copy or upload was cut short; copy or "
                "upload the whole file again."
            ) from None
        raise VideoError(
            f"{os.path.basename(path)}: not a video file RepLab can read ({_reason(exc)})."
        ) from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{os.path.basename(path)}: the file has no video stream.")
    if container.format.name == "image2" or container.format.name.endswith("_pipe"):
        # FFmpeg reads a photo (whatever its file name says) as a one-frame video
        container.close()
        raise VideoError(f"{os.path.basename(path)}: this is a picture, not a video.")
    return container


def ends_early(last_s: float, announced_s: float) -> bool:
    """Whether frames stop well before the end the container announces (more than 1 s and
    5% of the clip): a file cut short, not a last frame a stride skipped."""
    return announced_s - last_s > max(1.0, 0.05 * announced_s)


EBML_MAGIC = bytes.fromhex("1A45DFA3")  # how every Matroska and WebM file begins


def _starts_with(path: str | os.PathLike, magic: bytes) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(magic)) == magic


def _iso_boxes(path: str | os.PathLike, max_boxes: int) -> tuple[list[bytes], bool]:
    """The top-level box types of an ISO media file (MP4, MOV), in order, and whether the
    last one runs past the end of the file (it was cut inside that box). ``([], False)``
    when the file does not start with an ``ftyp`` box or is no box structure after all."""
    size = os.path.getsize(path)
    kinds: list[bytes] = []
    with open(path, "rb") as handle:
        offset = 0
        while offset < size and len(kinds) < max_boxes:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                return kinds, True  # a box header cut in two
            length, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if not kinds and kind != b"ftyp":
                return [], False
            if length == 1 and len(header) == 16:  # a 64-bit size follows
                length = int.from_bytes(header[8:16], "big")
            elif length == 0:  # "to the end of the file"
                length = size - offset
            if length < 8:
                return [], False  # not box structure after all
            kinds.append(kind)
            offset += length
    return kinds, offset > size


def mp4_without_index(path: str | os.PathLike, max_boxes: int = 64) -> bool:
    """Whether the file is an MP4 (ISO media) cut short before its ``moov`` box, the index
    many cameras write last (9 of the 20 shared clips have it at the end): top-level boxes
    start with ``ftyp`` and run out, or run past the end of the file, without a ``moov``.
    An interrupted upload of such a recording looks like that, and was called "not a video
    file"."""
    kinds, _ = _iso_boxes(path, max_boxes)
    return bool(kinds) and b"moov" not in kinds and len(kinds) < max_boxes


def iso_cut_inside_a_box(path: str | os.PathLike, max_boxes: int = 1_000_000) -> bool:
    """Whether an MP4/MOV file stops inside its last top-level box: copied or uploaded only
    in part. A fragmented MP4 (what OBS and in-browser recorders write) holds no length in
    its header, so one cut short read as complete, and was counted with no warning (review
    S); its fragments, and every other box, end exactly at the end of a whole file."""
    return _iso_boxes(path, max_boxes)[1]


def ts_cut_inside_a_packet(path: str | os.PathLike) -> bool:
    """Whether an MPEG-TS file stops inside a packet: every packet is 188 bytes (192 in a
    camcorder's .MTS/.M2TS), so a whole file is a multiple of one of them. Like a fragmented
    MP4, a .ts holds no length in its header: one cut short read as complete (review S)."""
    size = os.path.getsize(path)
    return size % 188 != 0 and size % 192 != 0


def _reason(exc: Exception) -> str:
    """FFmpeg's own words for what went wrong, without its error number or the file name."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).strip().rstrip(".").lower()


def video_stream(container):
    """The clip's picture: the largest video stream that is not a cover image.

    ``streams.video[0]`` took a 64 x 64 still stored first in a Matroska file, and "no
    person was found" followed.
    """
    streams = list(container.streams.video)
    moving = [s for s in streams if not _is_attached_picture(s)] or streams
    # the stream players show (flagged default, as FFmpeg's av_find_best_stream prefers it),
    # then the largest: a larger extra track (a black or depth track) had been analysed and the
    # clip called "no person was found" (review S)
    return max(
        moving, key=lambda s: (_is_default(s), (s.codec_context.width or 0) * (s.codec_context.height or 0))
    )


def time_origin(container) -> float:
    """Where the clip's time 0 lies on the container's clock, in seconds.

    Every time RepLab gives (frames, reps, exports) is seconds from the clip's start, as a
    player shows it. An MP4/MOV file's edit list already sets that start at 0 (frames it
    hides lie before 0 and are dropped, as players drop them; a gap it opens with is shown,
    so it is kept). Other containers (MPEG-TS, Matroska, WebM, AVI) carry the recording's
    own clock, and players count from the file's first timestamp: a camcorder's .MTS or a
    stretch cut from a longer recording gave rep bottoms at 3602 s and an annotated video
    opening with an hour of nothing, and a .ts whose 33-bit clock wrapped during the clip
    lost every frame before the wrap (review S).
    """
    if _is_iso_media(container):
        return 0.0
    # the streams' own start times, exact in their time bases (the container's, in
    # microseconds, put the first frame at -3e-7 s)
    starts = [
        s.start_time * s.time_base for s in container.streams if s.start_time is not None and s.time_base
    ]
    if starts:
        return float(min(starts))
    return float(container.start_time / av.time_base) if container.start_time is not None else 0.0


def _is_iso_media(container) -> bool:
    """Whether FFmpeg reads the file as ISO media (MP4, MOV, M4V, 3GP): an edit list sets its
    timeline, and its top-level boxes tell a cut (``iso_cut_inside_a_box``)."""
    return "mov" in container.format.name.split(",")


def _is_default(stream) -> bool:
    """Whether the container flags ``stream`` as the one to play."""
    return bool(stream.disposition & av.stream.Disposition.default)


def _pixel_aspect(stream) -> float:
    """Width of a stored pixel against its height (1.0 for square pixels or when unknown):
    HDV, DV and some editors' exports store 1440 x 1080 pictures shown at 1920 x 1080. Read
    as stored, a squeezed lifter lost a rep and all three verdicts flipped (review S)."""
    sar = stream.codec_context.sample_aspect_ratio or stream.sample_aspect_ratio
    try:
        value = float(sar) if sar else 1.0
    except (TypeError, ZeroDivisionError):
        return 1.0
    return value if 0.2 <= value <= 5.0 else 1.0


def _display_size(width: int, height: int, aspect: float) -> tuple[int, int]:
    """A stored picture's size as shown: its width stretched by the pixel aspect ratio."""
    return (max(2, int(round(width * aspect))), height) if aspect != 1.0 else (width, height)


def _is_attached_picture(stream) -> bool:
    disposition = getattr(stream, "disposition", None)
    flag = getattr(getattr(av, "stream", None), "Disposition", None)
    if disposition is None or flag is None or not hasattr(flag, "attached_pic"):
        return False
    return bool(disposition & flag.attached_pic)


def display_matrix(frame) -> tuple[int, int, int, int]:
    """The signs (a, b, c, d) of the frame's display matrix, (1, 0, 0, 1) when it has none.

    The container's matrix maps a stored pixel (x, y) to where it is shown:
    x' = a x + c y, y' = b x + d y. Phones store portrait clips as landscape pixels with a
    quarter turn here; some also mirror (a front camera). ``frame.rotation`` names the turn
    only, so a mirrored clip (a = -1, d = 1) read as a half turn came out upside down.
    """
    for data in frame.side_data:
        if str(data.type).endswith("DISPLAYMATRIX"):
            m = np.frombuffer(bytes(data), dtype="<i4")
            if len(m) >= 5:
                return tuple(int(np.sign(v)) for v in (m[0], m[1], m[3], m[4]))  # type: ignore[return-value]
    return (1, 0, 0, 1)


def _upright(rgb: np.ndarray, matrix: tuple[int, int, int, int]) -> np.ndarray:
    """``rgb`` as shown: the matrix's quarter turns and mirrors, as FFmpeg's autorotate does."""
    a, b, c, d = matrix
    if (a, b, c, d) == (1, 0, 0, 1):
        return rgb
    if a == 0 and d == 0:  # a quarter turn: rows become columns
        out = np.swapaxes(rgb, 0, 1)
        if b < 0:
            out = out[::-1]
        if c < 0:
            out = out[:, ::-1]
    else:
        out = rgb[:, ::-1] if a < 0 else rgb
        if d < 0:
            out = out[::-1]
    return np.ascontiguousarray(out)


def _shown_rgb(
    frame: av.VideoFrame,
    aspect: float,
    max_side: int | None,
    matrix: tuple[int, int, int, int],
    reformatter: VideoReformatter,
    true_colour: bool = False,
) -> np.ndarray:
    """A decoded frame as a player shows it: RGB, stretched by the pixel aspect ratio, shrunk
    to ``max_side`` and turned upright (every reader's frames are made here). ``true_colour``
    (frames a person sees): converted with the clip's own colour matrix (``opencv_colours``)."""
    width, height = _scaled_size(*_display_size(frame.width, frame.height, aspect), max_side)
    convert = to_rgb if not true_colour or opencv_colours(frame) else swscale_rgb
    return _upright(convert(frame, width, height, reformatter), matrix)


# AVCOL_SPC_UNSPECIFIED, BT470BG, SMPTE170M: the matrices OpenCV's YUV conversion assumes (BT.601)
BT601_OR_UNTAGGED = (2, 5, 6)


def opencv_colours(frame: av.VideoFrame) -> bool:
    """Whether OpenCV's YUV-to-RGB conversion (``to_rgb``) gives the frame's own colours.

    OpenCV converts with the BT.601 matrix whatever the clip says. Most phones tag HD and 4K
    clips BT.709 (9 of the 22 shared and sample clips): read as BT.601, a saturated green
    came out 28 levels off and a red 20, in the pictures and videos the dashboard shows.
    Pose passes keep OpenCV's conversion, the pixels the counters were validated on (the 20
    hand-counted clips count the same through swscale, ``bench/pixel_pipelines.py``); what a
    person sees goes through swscale, which reads the matrix (BT.709, BT.2020), where it is
    not BT.601. An untagged frame is read as BT.601 by both."""
    return frame.colorspace in BT601_OR_UNTAGGED


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Coded size shrunk so its longer side is at most ``max_side`` (even numbers)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read a clip's size, frame rate, duration and rotation; decodes only the first frame."""
    container = _open(path)
    try:
        stream = video_stream(container)
        try:
            first = next(container.decode(stream))
        except StopIteration:
            raise VideoError(f"{os.path.basename(os.fspath(path))}: the video has no frames.") from None
        except (av.error.FFmpegError, ValueError) as exc:
            raise VideoError(
                f"{os.path.basename(os.fspath(path))}: the video cannot be decoded ({_reason(exc)})."
            ) from None
        rotation = int(first.rotation or 0)
        width, height = _display_size(
            stream.codec_context.width, stream.codec_context.height, _pixel_aspect(stream)
        )
        a, b, c, d = display_matrix(first)
        if a == 0:  # a quarter turn: shown the other way round
            width, height = height, width
        rate = stream.average_rate or stream.guessed_rate or Fraction(30)
        fps = float(rate)
        origin = time_origin(container)
        start_s = max(0.0, _frame_time(first, stream, 0, origin))
        header_end = stream_start = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
            if stream.start_time is not None:
                stream_start = max(0.0, float(stream.start_time * stream.time_base) - origin)
        else:  # Matroska/WebM: the container's duration may be its end time, not its length
            end_s = _last_packet_end(container, stream)
            if end_s is not None:
                duration = max(0.0, end_s - origin - start_s)
            else:
                duration = container.duration / av.time_base if container.duration is not None else 0.0
            # The length from the packets is the length of what is in the file: one cut short
            # reads as complete. Its header still gives the end; where every stream's packets
            # (a longer sound track too) stop well before it, the file was cut.
            file_end = _last_packet_end(container, None)
            if container.duration is not None and file_end is not None:
                announced = container.duration / av.time_base
                if ends_early(file_end, announced):  # both on the container's clock
                    header_end = announced - origin
        frame_count = int(stream.frames) if stream.frames else int(round(duration * fps))
        if _is_iso_media(container):
            cut_inside = iso_cut_inside_a_box(path)
        else:
            cut_inside = "mpegts" in container.format.name.split(",") and ts_cut_inside_a_packet(path)
        return VideoInfo(
            path=os.fspath(path),
            width=width,
            height=height,
            fps=fps,
            duration_s=duration,
            frame_count=max(frame_count, 1),
            rotation=rotation,
            codec=stream.codec_context.codec.canonical_name,  # "av1", whichever decoder reads it (libdav1d)
            start_s=start_s,
            header_end_s=header_end,
            stream_start_s=stream_start,
            mirrored=a * d - b * c < 0,
            cut_inside=cut_inside,
        )
    finally:
        container.close()


def _last_packet_end(container, stream) -> float | None:
    """When the last packet of ``stream`` (None: of any stream) ends, in seconds (reads the
    last packets only).

    A WebM clip whose first frame is at 3 s reported the container's duration, 11.5 s, for
    8.5 s of video, so the chunks were planned for frames that are not there.
    """
    if stream is not None and stream.time_base is None:
        return None
    try:
        if stream is None:
            container.seek(2**40, backward=True, any_frame=False)  # in microseconds: 12 days
        else:
            container.seek(2**62, stream=stream, backward=True, any_frame=False)
        last = None
        for packet in container.demux(*([stream] if stream is not None else [])):
            if packet.pts is not None and packet.time_base is not None:
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                last = end if last is None else max(last, end)
    except (av.error.FFmpegError, OverflowError):
        return None
    return last


def iter_frames(
    path: str | os.PathLike,
    start_s: float = 0.0,
    end_s: float | None = None,
    max_side: int | None = None,
    threads: bool = True,
    true_colour: bool = False,
) -> Iterator[Frame]:
    """Yield upright RGB frames shown at times in ``[start_s, end_s)`` (seconds from the clip's
    start, ``time_origin``).

    ``max_side`` shrinks frames during conversion (``to_rgb``), which is far cheaper than
    resizing afterwards; the pose model works on 256 px crops, so 640 px loses nothing.
    Seeking lands on the keyframe before ``start_s``; frames before it are decoded and
    dropped, so chunked readers see exactly the frames a full pass sees. ``index`` counts
    from the start of the clip only when ``start_s`` is 0; chunked readers use times.
    ``threads=False`` decodes on the calling thread only: when every core already runs
    a pose process, FFmpeg's decoding threads only add switching and copying.
    ``true_colour``: for frames a person sees (``opencv_colours`` says why pose passes differ).
    """
    name = os.path.basename(os.fspath(path))
    container, stream, origin, decoded = _decode_from(path, start_s, name, threads)
    try:
        # One swscale converter for the whole clip, for frames ``to_rgb`` leaves to it:
        # ``frame.to_ndarray(width=...)`` builds a new context (filter tables and all) each time.
        reformatter = VideoReformatter()
        # The display matrix is the track's (a phone's quarter turn), read off the first frame
        # used: reading ``frame.side_data`` ties each frame into a reference cycle (PyAV 18.1),
        # so every frame read that way, 1.4 MB of 720p pixels, waited for the garbage
        # collector. Read on every frame, 250 frames or so piled up per decoder: 875 MB for
        # two chunks of a 10-minute clip, where the model itself needs 360 MB.
        matrix = None
        aspect = _pixel_aspect(stream)
        any_decoded = False

        def in_range() -> Iterator[tuple[float, np.ndarray]]:
            nonlocal matrix, any_decoded
            for n, frame in enumerate(decoded):
                any_decoded = True
                time_s = _frame_time(frame, stream, n, origin)
                if time_s < start_s - 1e-6:
                    continue
                if end_s is not None and time_s >= end_s - 1e-6:
                    break
                if matrix is None:
                    matrix = display_matrix(frame)
                # converted before a repeated time is seen: the frame held back is a small RGB
                # picture, not a decoded one (25 MB a 4K 10-bit frame)
                yield time_s, _shown_rgb(frame, aspect, max_side, matrix, reformatter, true_colour)

        for index, (time_s, rgb) in enumerate(one_frame_per_time(in_range())):
            yield Frame(index=index, time_s=time_s, rgb=rgb)
        if not any_decoded:
            raise VideoError(f"{name}: the video has no frames that can be decoded.")
    finally:
        container.close()


def one_frame_per_time(timed: Iterable[tuple[float, object]]) -> Iterator[tuple[float, object]]:
    """``(time_s, frame)`` pairs with the frames that share their time with the next frame
    left out: of frames stamped with one time, the last is kept (``iter_frames`` reads one
    frame per time).

    Some phones and screen recorders write two frames with one presentation time. Kept
    both, the track held two rows at one time, and every rep's hip speed (``np.gradient``
    over the times, a form feature) came out NaN. The earlier frame is dropped, not given a
    time between its neighbours: which of the two carries the wrong time is not known, and
    a made-up time would move the movement the counters and speeds are timed by. The last is the
    one kept because it is the one RepLab shows for that time everywhere else (``read_frame``,
    ``frames_at`` and ``PoseTrack.frame_at`` take the last frame starting at or before a
    time), and a seek that lands on the later frame of a pair reads only that one, so a
    chunk read from a seek keeps the frames a full pass keeps. Frames that all share one time
    are no repeat to repair but a file whose times say nothing: the first and the last are
    both given, and the track refuses them (``check_times``).
    """
    held = first = None
    given = False
    for time_s, frame in timed:
        if held is not None and abs(time_s - held[0]) > 1e-6:
            yield held
            given, first = True, None
        elif held is not None and not given and first is None:
            first = held  # the start of a repeat, kept until the clip's times are seen to move
        held = (time_s, frame)
    if held is not None:
        if not given and first is not None:
            yield first
        yield held


# How far before ``start_s`` a seek is tried again when its first frame comes after ``start_s``
# (seconds); past the last, the clip is decoded from its start.
SEEK_BACK_S = (0.0, 2.0, 10.0)


def _decode_from(path: str | os.PathLike, start_s: float, name: str, threads: bool):
    """The clip open and decoding from a frame at or before ``start_s``: (container, stream,
    origin, frames), the caller to close the container.

    Seeking lands on the keyframe before ``start_s`` in an MP4, whose index lists keyframes.
    An MPEG-TS file has none: FFmpeg lands on whatever packet is near, the decoder skips to
    the next keyframe, and a .ts with one keyframe gave a time chunk no frame at all ("no
    frames that can be decoded"). So a seek whose first frame comes after ``start_s`` is
    tried again further back. A clip with no keyframe before ``start_s`` (cut out of a
    longer recording without re-encoding) is decoded from its start.
    """

    def opened():
        container = _open(path)
        stream = video_stream(container)
        if threads:
            stream.thread_type = "AUTO"
        return container, stream, time_origin(container)

    for back_s in SEEK_BACK_S:
        target = start_s - back_s
        if target <= 0:
            break
        container, stream, origin = opened()
        try:
            container.seek(
                int((target + origin) / stream.time_base), stream=stream, backward=True, any_frame=False
            )
        except av.error.FFmpegError:
            container.close()
            break
        frames = _decode(container, stream, name)
        try:
            first = next(frames, None)
        except VideoError:
            container.close()
            raise
        if first is not None and _frame_time(first, stream, 0, origin) <= start_s + 1e-6:
            return container, stream, origin, itertools.chain([first], frames)
        frames.close()
        container.close()
    container, stream, origin = opened()
    return container, stream, origin, _decode(container, stream, name)


FULL_RANGE = 2  # AVCOL_RANGE_JPEG, PyAV's ``VideoFrame.color_range`` for full-range pixels


def _opencv():
    """OpenCV, imported on first use: a pass over cached landmarks never needs it."""
    import cv2

    return cv2


class _OneThreadOpenCV:
    """OpenCV on one thread while pose passes run (``opencv_on_one_thread``).

    RepLab runs its time chunks in parallel already; OpenCV's own worker threads wait busily
    between frames and took CPU from the pose models (fourth session's trial,
    docs/performance.md). The setting is the whole process's, so it is taken and given back
    under a lock, counting the passes that run (two dashboard users at once), and the rest
    of the time (optical flow, drawing) OpenCV keeps its threads.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._before = 0

    @contextlib.contextmanager
    def __call__(self):
        cv2 = _opencv()
        with self._lock:
            if self._users == 0:
                self._before = cv2.getNumThreads()
                cv2.setNumThreads(1)
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    cv2.setNumThreads(self._before)


opencv_on_one_thread = _OneThreadOpenCV()


def to_rgb(
    frame: av.VideoFrame, width: int, height: int, reformatter: VideoReformatter, shrink: int | None = None
) -> np.ndarray:
    """The decoded frame as RGB at ``width`` x ``height``.

    8-bit 4:2:0 video (nearly every camera's): the three planes shrunk by OpenCV (area
    averaging, the right filter for shrinking) and converted by OpenCV, about 0.25 ms a
    720p frame where swscale's shrink-and-convert took 1.0 ms, the largest CPU cost of a
    frame besides the model (docs/performance.md). OpenCV's conversion assumes limited range:
    full-range frames (``yuvj420p``, or ``yuv420p`` tagged full range, as VP9 and AV1 clips
    can be), other formats (10-bit, RGB) and odd sizes go through swscale (bilinear), which
    reads the frame's range and depth. The pose model's landmarks move with the exact pixels,
    so both were measured: the 20 hand-counted clips count the same on either
    (``bench/pixel_pipelines.py``, which also tries ``shrink=cv2.INTER_LINEAR``).
    """
    full_range = frame.color_range == FULL_RANGE  # VP9 and AV1 tag it on plain yuv420p
    if frame.format.name != "yuv420p" or full_range or width % 2 or height % 2:
        return swscale_rgb(frame, width, height, reformatter)
    cv2 = _opencv()
    shrink = cv2.INTER_AREA if shrink is None else shrink
    planes = []
    for plane, size in zip(
        frame.planes, ((width, height), (width // 2, height // 2), (width // 2, height // 2))
    ):
        pixels = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        if (plane.width, plane.height) != size:
            pixels = cv2.resize(pixels, size, interpolation=shrink)
        planes.append(pixels.reshape(-1))
    return cv2.cvtColor(np.concatenate(planes).reshape(height * 3 // 2, width), cv2.COLOR_YUV2RGB_I420)


def swscale_rgb(frame: av.VideoFrame, width: int, height: int, reformatter: VideoReformatter) -> np.ndarray:
    """The frame as RGB at ``width`` x ``height`` by swscale (bilinear), for any pixel format."""
    return reformatter.reformat(frame, width=width, height=height, format="rgb24").to_ndarray()


def keyframe_before(path: str | os.PathLike, time_s: float) -> float:
    """Time of the keyframe a seek to ``time_s`` lands on (reads one packet, decodes nothing).

    A reader starting at ``time_s`` must decode every frame from there on; parallel
    chunks size themselves by it. Falls back to 0 (decode from the start) when the
    container does not say.
    """
    if time_s <= 0:
        return 0.0
    with keyframe_lookup(path) as lookup:
        return lookup(time_s)


@contextlib.contextmanager
def keyframe_lookup(path: str | os.PathLike) -> Iterator[Callable[[float], float]]:
    """``keyframe_before`` for many times on one open file (the chunk planner asks 3-4)."""
    container = _open(path)
    stream = video_stream(container)
    origin = time_origin(container)

    def lookup(time_s: float) -> float:
        if time_s <= 0 or stream.time_base is None:
            return 0.0
        try:
            container.seek(
                int((time_s + origin) / stream.time_base), stream=stream, backward=True, any_frame=False
            )
            for packet in container.demux(stream):
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is not None:
                    return min(time_s, max(0.0, float(stamp * stream.time_base) - origin))
        except av.error.FFmpegError:
            pass
        return 0.0

    try:
        yield lookup
    finally:
        container.close()


def _decode(container, stream, name: str):
    """Decode frames, turning FFmpeg's errors into a VideoError a user can read.

    A clip cut short (an interrupted upload) usually decodes up to the cut and then
    stops; that is accepted, since every decoded frame is real.
    """
    decoded = 0
    try:
        for frame in container.decode(stream):
            decoded += 1
            yield frame
    except av.error.EOFError:
        return
    except av.error.InvalidDataError:
        # a file cut mid-packet: FFmpeg's threaded decoder stops quietly at the cut, the
        # single-threaded one (each parallel chunk's) raises on the partial last packet
        if decoded:
            return
        raise VideoError(f"{name}: the video cannot be decoded (invalid data).") from None
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoError(f"{name}: the video cannot be decoded ({_reason(exc)}).") from None


def _frame_time(frame, stream, index: int, origin: float) -> float:
    """Seconds from the clip's start (``origin``: ``time_origin``) at which ``frame`` is shown."""
    if frame.pts is not None and stream.time_base is not None:
        return float(frame.pts * stream.time_base) - origin
    if frame.time is not None:
        return float(frame.time) - origin
    rate = float(stream.average_rate or 30)
    return index / rate


# ``read_frame`` looks for the frame shown at a time among the frames from this long before it
FRAME_LOOKBACK_S = 2.0


def read_frame(path: str | os.PathLike, time_s: float, max_side: int | None = None) -> np.ndarray:
    """The upright RGB frame shown at ``time_s`` (the last frame starting at or before it)."""
    with contextlib.closing(frames_at(path, [time_s], max_side=max_side)) as frames:
        return next(frames)[1]


def frames_at(
    path: str | os.PathLike, times: Iterable[float], max_side: int | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """``(time_s, frame)`` for each of ``times`` (once each, earliest first): the frame
    ``read_frame`` gives for that time, read in one forward pass over the clip.

    A report or the rep cards need one frame per rep. Read one at a time, each frame was a
    seek to the keyframe before it and a decode up to it: 0.3 s a frame on a 720p clip with
    keyframes 8 s apart, 26 s with nothing shown for a 78-rep report (review AE). Here the
    clip is decoded once, forward; it seeks again only where the next time's look-back
    starts past a keyframe beyond the frames already decoded (decoding on to it would cost
    more), and only the frames picked are converted to RGB.
    """
    wanted = sorted({float(t) for t in times})
    name = os.path.basename(os.fspath(path))
    reformatter = VideoReformatter()
    matrix = None
    stretch = None
    # where a seek would land, for the second time on (a single look-up plans no pass)
    lookup = keyframe_lookup(path) if len(wanted) > 1 else contextlib.nullcontext()
    try:
        with lookup as keyframe:
            for time_s in wanted:
                start_s = max(0.0, time_s - FRAME_LOOKBACK_S)
                if stretch is None or keyframe(start_s) > stretch.shown.decoded_to_s + 1e-6:
                    if stretch is not None:
                        stretch.close()
                    stretch = _Stretch(path, start_s, name)
                frame = stretch.shown.at(time_s)
                if frame is None:
                    if stretch.shown.decoded_to_s == -math.inf:
                        raise VideoError(f"{name}: the video has no frames that can be decoded.")
                    raise VideoError(f"{name}: no frame at {time_s:.2f} s.")
                if matrix is None:  # the track's turn, read once (``iter_frames`` says why)
                    matrix = display_matrix(frame)
                yield (
                    time_s,
                    _shown_rgb(frame, stretch.aspect, max_side, matrix, reformatter, true_colour=True),
                )
    finally:
        if stretch is not None:
            stretch.close()


class _Stretch:
    """The clip decoding forward from a seek for ``start_s`` (``_decode_from``, as
    ``iter_frames`` reads it), its frames picked for ascending times by ``_ShownFrames``."""

    def __init__(self, path: str | os.PathLike, start_s: float, name: str):
        self._container, stream, origin, decoded = _decode_from(path, start_s, name, threads=True)
        self.aspect = _pixel_aspect(stream)
        self.shown = _ShownFrames(
            (_frame_time(frame, stream, index, origin), frame) for index, frame in enumerate(decoded)
        )

    def close(self) -> None:
        self._container.close()


class _ShownFrames:
    """The frame shown at each of ascending times, from one forward stream of
    ``(time_s, frame)``: the last frame starting at or before the time, among the frames from
    ``FRAME_LOOKBACK_S`` before it (the first of those when none starts by then).

    The frame that ends one time's search may be the next time's, and the frame picked for
    one time may be the next time's too, so both are kept: a pass picks for each time the
    frame a look-up of that time alone would pick.
    """

    def __init__(self, frames: Iterator[tuple[float, av.VideoFrame]]):
        self._frames = frames
        self._next: tuple[float, av.VideoFrame] | None = None  # decoded, not yet passed
        self._chosen: tuple[float, av.VideoFrame] | None = None
        self.decoded_to_s = -math.inf  # the time of the latest frame decoded

    def _peek(self) -> tuple[float, av.VideoFrame] | None:
        if self._next is None:
            self._next = next(self._frames, None)
            if self._next is not None:
                self.decoded_to_s = self._next[0]
        return self._next

    def at(self, time_s: float) -> av.VideoFrame | None:
        """The frame shown at ``time_s``, no earlier than the last time asked (None: no frame)."""
        start_s = max(0.0, time_s - FRAME_LOOKBACK_S)
        if self._chosen is not None and self._chosen[0] < start_s - 1e-6:
            self._chosen = None
        while (item := self._peek()) is not None:
            if item[0] >= start_s - 1e-6:
                if item[0] > time_s + 1e-6 and self._chosen is not None:
                    break
                self._chosen = item
            self._next = None
        return None if self._chosen is None else self._chosen[1]
