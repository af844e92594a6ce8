"""FrameRecorder: real frames in, a readable H.264 clip with their capture times out."""

from __future__ import annotations

import threading
from fractions import Fraction

import av
import numpy as np

from analysis.recording import FrameRecorder
from analysis.video import iter_frames, probe
from tests.conftest import REPO_ROOT

SAMPLE = REPO_ROOT / "sample_videos" / "squat_side_rohanx01_1.mp4"


def _camera_frames(seconds: float, gaps: dict[int, float] | None = None):
    """Sample frames as a camera delivers them: yuv420p, a 90 kHz clock, uneven gaps."""
    t = 10.0  # a camera clock does not start at zero
    for i, frame in enumerate(iter_frames(SAMPLE, 8.0, 8.0 + seconds, max_side=480)):
        image = av.VideoFrame.from_ndarray(frame.rgb, format="rgb24").reformat(format="yuv420p")
        t += (gaps or {}).get(i, 1 / 30)
        image.pts, image.time_base = int(round(t * 90000)), Fraction(1, 90000)
        yield image


def test_recording_keeps_frames_and_their_times(tmp_path):
    out = tmp_path / "rec.mp4"
    recorder = FrameRecorder(out)
    frames = list(_camera_frames(2.0, gaps={30: 0.5}))  # the camera stalls once for half a second
    for frame in frames:
        recorder.write(frame)
    assert recorder.recording and not out.exists()  # nothing half-written at the final name
    recorder.close()
    assert recorder.closed.is_set() and out.exists()
    info = probe(out)
    times = np.array([f.time_s for f in iter_frames(out)])
    assert len(times) == len(frames)
    assert times[0] == 0.0
    gaps = np.diff(times)
    assert np.argmax(gaps) == 29 and abs(gaps[29] - 0.5) < 0.002  # the stall (before frame 30) is kept
    assert abs(np.median(gaps) - 1 / 30) < 0.002
    assert (info.width, info.height) == (frames[0].width // 2 * 2, frames[0].height // 2 * 2)
    # the frames handed in keep their own clock (the preview sends them on)
    assert frames[0].time_base == Fraction(1, 90000) and frames[0].pts == int(round((10 + 1 / 30) * 90000))


def test_close_from_another_thread_and_a_second_recording(tmp_path):
    out = tmp_path / "rec.mp4"
    recorder = FrameRecorder(out)
    recorder.close()  # nothing recorded: nothing written
    assert not out.exists()
    for frame in _camera_frames(1.0):
        recorder.write(frame)
    closer = threading.Thread(target=recorder.close)
    closer.start()
    assert recorder.closed.wait(10)
    closer.join()
    first = probe(out).frame_count
    for frame in _camera_frames(0.5):  # START again: a new recording replaces the old file
        recorder.write(frame)
    recorder.close()
    assert probe(out).frame_count < first


def test_frames_without_a_clock_are_recorded_at_30_per_second(tmp_path):
    """A frame with no timestamp (the recorder assumes 30 frames/s for it) raised on the
    first one: PyAV refuses to put its missing time base back."""
    out = tmp_path / "rec.mp4"
    recorder = FrameRecorder(out)
    for frame in iter_frames(SAMPLE, 8.0, 9.0, max_side=480):
        recorder.write(av.VideoFrame.from_ndarray(frame.rgb, format="rgb24"))  # no pts, no time base
    recorder.close()
    times = [f.time_s for f in iter_frames(out)]
    assert recorder.frames_written == len(times) == 30
    assert np.allclose(np.diff(times), 1 / 30, atol=1e-3)
