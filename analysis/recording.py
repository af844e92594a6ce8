"""Write live camera frames to an H.264 mp4 as they arrive, and finish it on demand.

The webcam page hands every frame the browser streams (a PyAV ``VideoFrame`` with its
capture time) to ``FrameRecorder.write`` from a WebRTC worker thread, and ``close`` when
the stream ends. Frames keep their capture times on a 90 kHz clock (strictly increasing),
so a camera that drops or bunches frames gives a variable-frame-rate clip whose times are
true, which the pose pass reads as it reads a phone's clips. The file is written under a
temporary name and moved into place only once complete, so a reader never sees half a
file. aiortc's own ``MediaRecorder`` was replaced by this: on a loaded machine its final
flush failed inside the mp4 muxer ("patches welcome") and left a file with no index.
"""

from __future__ import annotations

import os
import threading
from fractions import Fraction

import av

from analysis.render import TIME_BASE, add_h264_stream


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
        self._first_time = None
        self._last_pts = -1

    @property
    def recording(self) -> bool:
        return not self.closed.is_set()

    def write(self, frame: av.VideoFrame) -> None:
        """Encode one frame at its capture time (the frame itself is left as it was)."""
        with self._lock:
            if self._container is None:
                self._open(frame)
            if frame.time is None:  # no clock on the frame: assume 30 frames/s
                pts = self._last_pts + int(round(Fraction(1, 30) / TIME_BASE))
            else:
                if self._first_time is None:
                    self._first_time = frame.time
                pts = max(int(round((frame.time - self._first_time) / TIME_BASE)), self._last_pts + 1)
            self._last_pts = pts
            # reformat hands back the frame itself when nothing changes, and the caller
            # sends that frame on (the preview): put its own clock back after encoding
            image = frame.reformat(width=self._stream.width, height=self._stream.height, format="yuv420p")
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

    def close(self) -> None:
        """Finish the file and move it to ``path`` (a no-op when nothing is being recorded)."""
        with self._lock:
            if self._container is None:
                return
            container, self._container = self._container, None
            try:
                for packet in self._stream.encode():
                    container.mux(packet)
            finally:
                container.close()
                self._stream = None
                self._first_time, self._last_pts = None, -1
            os.replace(self._part, self.path)
            self.closed.set()

    def _open(self, frame: av.VideoFrame) -> None:
        self._part = f"{self.path}.part.mp4"
        self._container = av.open(self._part, mode="w", format="mp4")
        self._stream = add_h264_stream(self._container, frame.width, frame.height, 30, self.crf)
        self.frames_written = 0
        self.closed.clear()
