"""Milliseconds the webcam picker spends listing the recordings left behind, a rerun.

    python bench/left_recordings.py [--recordings 3] [--seconds 10] [--reruns 20]

Records ``--recordings`` real H.264 clips of the sample squat (``--seconds`` long each, 640 px
wide, as ``FrameRecorder`` writes a camera's frames) into a temporary folder, then calls
``left_recordings`` on it ``--reruns`` times, as the picker does on every rerun of a page
with the camera chosen. Prints the first call (nothing known yet) and the median of the
others (docs/performance.md, "Recordings left behind").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.recording import FrameRecorder, left_recordings  # noqa: E402
from analysis.video import iter_frames  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "squat_side_rohanx01_1.mp4"


def record(path: Path, seconds: float) -> None:
    recorder = FrameRecorder(path)
    frames = list(iter_frames(SAMPLE, 0.0, seconds, max_side=640))
    for index, frame in enumerate(frames):
        image = av.VideoFrame.from_ndarray(frame.rgb, format="rgb24").reformat(format="yuv420p")
        image.pts, image.time_base = 3000 * index, Fraction(1, 90000)
        recorder.write(image)
    recorder.close()
    recorder.release()  # nobody takes it: it is "left"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--reruns", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for index in range(args.recordings):
            record(Path(folder) / f"{index:02d}-main.mp4", args.seconds)
        times = []
        for _ in range(args.reruns):
            start = time.perf_counter()
            found = left_recordings(folder)
            times.append((time.perf_counter() - start) * 1000)
        assert len(found) == args.recordings, found
    print("| recordings | first call (ms) | later calls, median (ms) |")
    print("|---|---|---|")
    print(f"| {args.recordings} x {args.seconds:g} s | {times[0]:.2f} | {statistics.median(times[1:]):.3f} |")


if __name__ == "__main__":
    main()
