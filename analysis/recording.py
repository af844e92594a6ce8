"""Write live camera frames to an H.264 mp4 as they arrive, and finish it on demand.

The webcam page hands every frame the browser streams (a PyAV ``VideoFrame`` with its
capture time) to ``FrameRecorder.write`` from a WebRTC worker thread, and ``close`` when
the stream ends. Frames keep their capture times on a 90 kHz clock (strictly increasing),
so a camera that drops or bunches frames gives a variable-frame-rate clip whose times are
true, which the pose pass reads as it reads a phone's clips. The file is written under a
temporary name and moved into place only once complete, so a reader never sees half a
file. aiortc's own ``MediaRecorder`` was replaced by this: on a loaded machine its final
flush failed inside the mp4 muxer ("patches welcome") and left a file with no index.

A recorder *holds* its recording (an exclusive OS lock, ``files.try_lock``, on a ``.lock`` file beside it) from
the first frame until ``release``, which its owner calls once it has taken the finished file
(or is gone): other tabs and processes then know a finished file is still someone's, and
``left_recordings`` offers only the ones nobody holds. The OS drops the lock when the process
dies, so a crash leaves nothing held for good.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from analysis.counting.period import MIN_PERIOD_S
from analysis.errors import RepLabError
from analysis.files import remove_quietly, remove_stale_files, try_lock
from analysis.render import TIME_BASE, add_h264_stream
from analysis.video import VideoInfo, probe

# the shortest recording that can hold one repetition (``too_short_to_count``)
SHORTEST_REP_S = MIN_PERIOD_S


class FrameRecorder:
    """Record frames to ``path``; each ``write`` after a ``close`` starts a new recording.

    Thread-safe: frames come from one thread and ``close`` may come from another.
    ``closed`` is set whenever no recording is open (so a reader can wait for the file).
    """

    def __init__(self, path: str | os.PathLike, crf: int = 23):
        self.path = os.fspath(path)
        self.crf = crf
        self.frames_written = 0
        self.closed = threading.Event()
        self.closed.set()
        self._lock = threading.Lock()
        self._container = None
        self._stream = None
        self._hold = None  # the open lock file while the recording is held (``holds``)
        self._reset_clock()
        self.error: str | None = None  # why the last recording could not be finished

    @property
    def recording(self) -> bool:
        return not self.closed.is_set()

    @property
    def holds(self) -> bool:
        """Whether this recorder holds its recording: from the first frame until ``release``."""
        return self._hold is not None

    def release(self) -> None:
        """Let go of the recording: its owner has taken the file, or is gone (a closed tab).

        From then on a finished file at ``path`` is a recording left behind. A no-op when
        nothing is held; the next frame holds the next recording.
        """
        with self._lock:
            if self._hold is None:
                return
            hold, self._hold = self._hold, None
            remove_quietly(hold.name)  # before unlocking: a reader that had it open finds the file stored
            hold.close()

    def write(self, frame: av.VideoFrame) -> None:
        """Encode one frame at its capture time (the frame itself is left as it was)."""
        with self._lock:
            if self._container is None:
                self._open(frame)
            pts = self._next_pts(frame)
            # reformat hands back the frame itself when nothing changes, and the caller
            # sends that frame on (the preview): put its own clock back after encoding
            image = self._fitted(frame)
            own_clock = image.pts, image.time_base
            image.pts, image.time_base = pts, TIME_BASE
            try:
                for packet in self._stream.encode(image):
                    self._container.mux(packet)
            finally:
                # PyAV refuses a time base of None, which a frame without a clock has
                image.pts = own_clock[0]
                if own_clock[1] is not None:
                    image.time_base = own_clock[1]
            self.frames_written += 1

    def _reset_clock(self) -> None:
        """A new recording's clock: no frame yet, frames 1/30 s apart until two have come."""
        self._first_time = None
        self._last_pts = -1
        self._step = int(round(Fraction(1, 30) / TIME_BASE))  # the last gap between frames

    def _next_pts(self, frame: av.VideoFrame) -> int:
        """The frame's capture time on the 90 kHz clock, strictly after the last one.

        A frame without a clock comes one frame interval (30 frames/s) after the last, the
        first at 0. A clock that jumps back (the camera restarted) or repeats a time goes on
        at the last gap between frames: pinning those frames one tick apart squashed the
        rest of a clip into a fraction of a second.
        """
        if frame.time is None:
            pts = self._last_pts + self._step if self._last_pts >= 0 else 0
        else:
            if self._first_time is None:
                self._first_time = frame.time
            pts = int(round((frame.time - self._first_time) / TIME_BASE))
            if self._last_pts >= 0 and pts <= self._last_pts:
                pts = self._last_pts + self._step
                self._first_time = frame.time - pts * TIME_BASE  # the clock goes on from here
            elif self._last_pts >= 0:
                self._step = pts - self._last_pts
        self._last_pts = pts
        return pts

    def _fitted(self, frame: av.VideoFrame) -> av.VideoFrame:
        """The frame at the file's size, its shape kept: a frame of another shape (the phone
        turned, the browser changed the resolution) is scaled to fit and bordered in black,
        where stretching it to the first frame's shape squashed the body three times over."""
        width, height = self._stream.width, self._stream.height
        if frame.width * height == frame.height * width:
            return frame.reformat(width=width, height=height, format="yuv420p")
        scale = min(width / frame.width, height / frame.height)
        w, h = max(2, int(frame.width * scale) // 2 * 2), max(2, int(frame.height * scale) // 2 * 2)
        rgb = frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
        canvas = np.zeros((height, width, 3), dtype=np.uint8)
        top, left = (height - h) // 2, (width - w) // 2
        canvas[top : top + h, left : left + w] = rgb
        fitted = av.VideoFrame.from_ndarray(canvas, format="rgb24").reformat(format="yuv420p")
        fitted.pts, fitted.time_base = frame.pts, frame.time_base
        return fitted

    def close(self) -> None:
        """Finish the file and move it to ``path`` (a no-op when nothing is being recorded).

        Whatever happens, the recorder is left closed: a failure here (the temporary file
        removed by a cleaner, the folder deleted) left it "recording" for good, and the page
        waited behind a spinner on every rerun. The reason is kept in ``error``.
        """
        with self._lock:
            if self._container is None:
                return
            container, self._container = self._container, None
            self.error = None
            try:
                try:
                    for packet in self._stream.encode():
                        container.mux(packet)
                finally:
                    container.close()
                os.replace(self._part, self.path)
            except (OSError, av.error.FFmpegError, ValueError) as exc:
                self.error = str(exc) or type(exc).__name__
                remove_quietly(self._part)
            finally:
                self._stream = None
                self._reset_clock()
                self.closed.set()

    def _open(self, frame: av.VideoFrame) -> None:
        if self._hold is None:
            self._hold = open(_lock_path(self.path), "a+")  # noqa: SIM115 (held until ``release``)
            try_lock(self._hold, wait=True)  # ``is_held`` in another tab may be testing it this moment
        self._part = f"{self.path}.part.mp4"
        self._container = av.open(self._part, mode="w", format="mp4")
        self._stream = add_h264_stream(self._container, frame.width, frame.height, 30, self.crf)
        self.frames_written = 0
        self.closed.clear()


def _lock_path(recording: str) -> str:
    return recording.removesuffix(".mp4") + ".lock"


def is_held(path: str | os.PathLike) -> bool:
    """Whether a live recorder (in any process) holds the recording at ``path``.

    Tries the recorder's lock without waiting (closing the file lets go of it at once). A
    lock file nobody has locked is one a process that died left behind: not held.
    """
    try:
        with open(_lock_path(os.fspath(path))) as hold:  # never created here: none, not held
            return not try_lock(hold)
    except OSError:
        return False


def remove_stale_recordings(folder: str | os.PathLike, max_age_s: float = 86400.0) -> int:
    """Delete recordings in ``folder`` untouched for ``max_age_s``; returns how many.

    A recording is moved out of this folder (stored like an upload) once it is analysed; one
    left here belonged to a session that ended mid-recording (a reloaded tab). It is offered
    again (``left_recordings``) until then, and cleared away after: nobody came back for it.
    A recording in progress is written every frame, so it is never stale; the lock files of
    recorders that died with their process go with their recordings.
    """
    return remove_stale_files(folder, max_age_s)


@dataclass(frozen=True)
class LeftRecording:
    """A finished recording no session took: where it is, when it ended, how long it is."""

    path: str
    ended: float  # when its last frame was written (seconds since the epoch)
    duration_s: float
    frame_count: int


def left_recordings(folder: str | os.PathLike) -> list[LeftRecording]:
    """The finished recordings in ``folder`` that no recorder holds (``is_held``), newest first.

    A tab reloaded or closed mid-recording ends its stream, and the recorder finishes the
    file, but the session that would have stored it is gone: it stayed here, out of reach,
    until ``remove_stale_recordings`` deleted it a day later. RepLab is a one-person app on
    the person's own computer (the camera is lent only to localhost or HTTPS pages), whose
    History and upload store already serve every session alike, so the next session offers
    them back. A file still being written (``.part.mp4``), held (finished a moment ago, its
    tab about to take it: it was offered as left for a rerun) or unreadable is left out.
    Each file is probed once per size and modification time, not on every rerun.
    """
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        # held first, then stat: a file handed over is moved away before it is let go
        if not entry.name.endswith(".mp4") or entry.name.endswith(".part.mp4") or is_held(entry.path):
            continue
        try:
            stat = os.stat(entry.path)
        except OSError:
            continue
        if (info := _probed(entry.path, stat.st_size, stat.st_mtime_ns)) is None:
            continue
        found.append(LeftRecording(entry.path, stat.st_mtime, info.duration_s, info.frame_count))
    return sorted(found, key=lambda item: item.ended, reverse=True)


@functools.lru_cache(maxsize=256)
def _probed(path: str, size: int, mtime_ns: int) -> VideoInfo | None:
    """``probe`` once per file version (None: unreadable): the picker lists the left
    recordings on every rerun, and probing each (opening it, decoding a frame) cost 4-13 ms
    a file a rerun (bench/left_recordings.py)."""
    try:
        return probe(path)
    except RepLabError:
        return None


def too_short_to_count(duration_s: float) -> bool:
    """Whether a recording is too short to hold a single repetition, so counting it is pointless.

    The bound is the counters' own, not a guess: a rep is a whole cycle (down and back up),
    and the shortest cycle the counting looks for is ``period.MIN_PERIOD_S`` (0.35 s; the
    periodicity counter's default ``min_period_s`` too). A STOP pressed as the picture came
    stored a clip of a few frames, which was analysed and said "No repetitions found ...
    check that the whole movement is in view", as if the person had been out of view. A
    recording at least this long may still hold no rep: this only says when none can fit.
    """
    return duration_s < SHORTEST_REP_S
