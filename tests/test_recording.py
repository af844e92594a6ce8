"""FrameRecorder: real frames in, a readable H.264 clip with their capture times out."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from fractions import Fraction

import av
import numpy as np
import pytest

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
    assert times[0] == 0.0  # the first frame at the clip's start (it was at 0.033 s)


def test_a_camera_clock_that_jumps_back_goes_on_at_the_last_gap(tmp_path):
    """15 frames, then the camera's clock restarts from 0: the rest of the clip was pinned one
    90 kHz tick per frame (a 1 s clip lasted 0.5 s, and read as 53 frames/s)."""
    frames = list(_camera_frames(1.0))
    for frame in frames[15:]:
        frame.pts -= int(round(15 / 30 * 90000))  # the second half restarts near the first's start
    recorder = FrameRecorder(tmp_path / "reset.mp4")
    for frame in frames:
        recorder.write(frame)
    recorder.close()
    times = np.array([f.time_s for f in iter_frames(tmp_path / "reset.mp4")])
    assert len(times) == len(frames) and np.all(np.diff(times) > 0.02)
    assert times[-1] == pytest.approx((len(frames) - 1) / 30, abs=0.02)


def test_a_frame_of_another_shape_is_fitted_not_stretched(tmp_path):
    """The phone turned mid-recording: portrait frames into a landscape file were stretched
    to its shape (the body squashed about three times); they are now fitted, bordered."""
    landscape = list(_camera_frames(0.3))
    width, height = landscape[0].width, landscape[0].height
    portrait = [
        av.VideoFrame.from_ndarray(
            np.ascontiguousarray(np.rot90(f.to_ndarray(format="rgb24"))), format="rgb24"
        )
        for f in landscape
    ]
    recorder = FrameRecorder(tmp_path / "turned.mp4")
    for i, frame in enumerate(landscape + portrait):
        frame.pts, frame.time_base = i * 3000, Fraction(1, 90000)
        recorder.write(frame)
    recorder.close()
    last = list(iter_frames(tmp_path / "turned.mp4"))[-1].rgb
    assert last.shape[:2] == (height, width)  # the file keeps the first frames' shape
    # the turned frame is fitted across the file's longer side and bordered on the other
    across = last.mean(axis=(1, 2)) if height > width else last.mean(axis=(0, 2))
    border = max(1, len(across) // 10)
    assert across[:border].max() < 20 and across[-border:].max() < 20  # black borders
    assert across[len(across) // 2] > 20  # the picture in the middle


def test_a_recording_that_cannot_be_finished_leaves_the_recorder_closed(tmp_path):
    import os
    import shutil

    recorder = FrameRecorder(tmp_path / "gone" / "rec.mp4")
    os.makedirs(tmp_path / "gone")
    for frame in _camera_frames(0.3):
        recorder.write(frame)
    shutil.rmtree(tmp_path / "gone")  # the folder deleted while recording (a temp cleaner)
    recorder.close()
    assert not recorder.recording and recorder.error  # not "recording" for good, and says why
    assert not os.path.exists(recorder.path)


def test_recordings_left_by_an_ended_session_are_cleared_after_a_day(tmp_path):
    """A tab reloaded mid-recording left its finished file in the recordings folder for good."""
    import os
    import time

    from analysis.recording import remove_stale_recordings

    old, fresh = tmp_path / "old-main.mp4", tmp_path / "fresh-main.mp4"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    assert remove_stale_recordings(tmp_path) == 1
    assert not old.exists() and fresh.exists()
    assert remove_stale_recordings(tmp_path / "missing") == 0


def _record(path, seconds: float, finish: bool = True) -> FrameRecorder:
    recorder = FrameRecorder(path)
    for frame in _camera_frames(seconds):
        recorder.write(frame)
    if finish:
        recorder.close()
    return recorder


def test_left_recordings_are_the_finished_readable_ones_nobody_holds(tmp_path):
    """What a new session offers after a tab was reloaded mid-recording (the page lists them)."""
    from analysis.recording import is_held, left_recordings

    left = _record(tmp_path / "left-main.mp4", 0.5)
    left.release()  # its session is gone
    own = _record(tmp_path / "own-main.mp4", 0.3)  # finished, its session about to store it
    busy = _record(tmp_path / "busy-main.mp4", 0.3, finish=False)  # another tab still recording
    (tmp_path / "broken-main.mp4").write_bytes(b"not a video")
    assert own.holds and busy.holds and not left.holds
    assert is_held(own.path) and not is_held(left.path)
    found = left_recordings(tmp_path)
    assert [item.path for item in found] == [left.path]
    assert found[0].frame_count == probe(left.path).frame_count == 15
    assert found[0].duration_s == pytest.approx(0.5, abs=0.04)
    busy.close()
    assert [item.path for item in left_recordings(tmp_path)] == [left.path]  # finished, still held
    busy.release()
    own.release()
    assert len(left_recordings(tmp_path)) == 3
    assert not list(tmp_path.glob("*.lock"))  # let go: nothing kept beside the recordings
    assert left_recordings(tmp_path / "missing") == []


def test_a_recorder_holds_each_new_recording_again(tmp_path):
    """Released after its first recording was stored, a recorder's next START holds the next one."""
    from analysis.recording import left_recordings

    recorder = _record(tmp_path / "again-main.mp4", 0.3)
    os.replace(recorder.path, tmp_path / "stored.bin")  # the page stored it
    recorder.release()
    for frame in _camera_frames(0.3):
        recorder.write(frame)
    recorder.close()
    assert recorder.holds and left_recordings(tmp_path) == []


# a tab's recording in another process: finished (the stream ended), not yet stored by its
# session; it says so, then waits to be killed
_HOLDING_PROCESS = """
import sys, time
from tests.test_recording import _record
recorder = _record(sys.argv[1], 0.5)  # kept: a recorder dropped lets go too
print("finished", flush=True)
time.sleep(120)
"""


def test_a_finished_recording_is_left_only_once_its_process_is_gone(tmp_path):
    """Two tabs: a recording another tab had just finished (and was about to store) was listed
    as left for a rerun, and could be taken from under it. A recorder holds its recording until
    it lets go or its process dies (the OS drops the lock): a real process, killed."""
    from analysis.recording import left_recordings

    path = tmp_path / "other-main.mp4"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDING_PROCESS, str(path)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "finished"
        assert probe(path).frame_count == 15  # finished and readable, but someone's
        assert left_recordings(tmp_path) == []
    finally:
        holder.kill()
        holder.wait()
    assert [item.path for item in left_recordings(tmp_path)] == [str(path)]


def test_left_recordings_probe_each_file_once(tmp_path, monkeypatch):
    """The picker lists the left recordings on every rerun and opened every file with PyAV each
    time; a file probed is known again by its path, size and modification time."""
    import analysis.recording
    from analysis.recording import left_recordings

    probed = []

    def counted_probe(path):
        probed.append(os.fspath(path))
        return probe(path)

    monkeypatch.setattr(analysis.recording, "probe", counted_probe)
    recorder = _record(tmp_path / "once-main.mp4", 0.5)
    recorder.release()
    first = left_recordings(tmp_path)
    assert left_recordings(tmp_path) == first and probed == [recorder.path]
    recorder.write(next(_camera_frames(0.1)))  # the same path recorded anew: probed anew
    recorder.close()
    recorder.release()
    again = left_recordings(tmp_path)
    assert probed == [recorder.path] * 2 and again[0].frame_count == 1
