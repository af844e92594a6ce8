"""Speed and memory of pose extraction, against a plain single-process MediaPipe loop.

    python bench/speed.py [--clip CLIP] [--workers 2] [--repeats 2] [--long-minutes 10]

Prints markdown tables (pasted into docs/performance.md):

1. Throughput on one clip: ``python -m analysis extract CLIP --workers N --no-cache`` and
   a plain loop (OpenCV decode + ``mp.solutions.pose`` on every full-size frame, one
   process), run back to back, alternating, ``--repeats`` times. Both are timed as whole
   processes (start-up included, as a user waits for them); the plain loop's time inside
   its loop (imports and start-up excluded) is shown too, and the ratio against that is
   the stricter one.
2. A 10-minute clip built from the sample by repeating its packets (PyAV remux, no
   re-encode, written to a temporary folder): wall time, frames/s and the peak memory of
   the whole process tree (parent plus workers, resident set sampled every 0.1 s).
3. Re-counting that clip's cached track with new settings (load + count), median of 5.

Timings depend on what else the machine is doing: the load average is printed with
each table. Nothing here is run by the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import av
import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO.parent / "shared" / "data" / "clips" / "squat_front_rjsong_1.mp4"

PLAIN_LOOP = r"""
import json, os, sys, time
t0 = time.perf_counter()
import cv2
import mediapipe as mp
pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)
cap = cv2.VideoCapture(sys.argv[1])
frames = 0
t1 = time.perf_counter()
while True:
    ok, bgr = cap.read()
    if not ok:
        break
    pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    frames += 1
t2 = time.perf_counter()
pose.close()
print(json.dumps({"frames": frames, "loop_s": t2 - t1, "startup_s": t1 - t0}))
"""


def _env() -> dict:
    return {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}


class TreeMemory:
    """Peak resident memory of a process and all its descendants, summed, sampled in a thread."""

    def __init__(self, pid: int, every_s: float = 0.1):
        self.root = psutil.Process(pid)
        self.every_s = every_s
        self.peak_bytes = 0
        self.peak_single = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            for proc in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    sizes.append(proc.memory_info().rss)
            if sizes:
                self.peak_bytes = max(self.peak_bytes, sum(sizes))
                self.peak_single = max(self.peak_single, max(sizes))
                self.peak_processes = max(self.peak_processes, len(sizes))
            self._stop.wait(self.every_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_extract(clip: Path, workers: int, out: Path, measure_memory: bool = False) -> dict:
    """Time ``python -m analysis extract`` as a whole process (start-up included)."""
    command = [sys.executable, "-m", "analysis", "extract", str(clip), "-o", str(out)]
    command += ["--workers", str(workers), "--no-cache"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory = TreeMemory(proc.pid) if measure_memory else None
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    if memory:
        memory.stop()
    if proc.returncode:
        raise SystemExit(f"extract failed: {err.decode()[-500:]}")
    with np.load(out) as saved:
        frames = len(saved["times"])
    result = {"wall_s": wall, "frames": frames}
    if memory:
        result.update(peak_mb=memory.peak_bytes / 2**20, peak_single_mb=memory.peak_single / 2**20)
        result["processes"] = memory.peak_processes
    return result


def run_plain(clip: Path) -> dict:
    """Time the plain loop as a whole process, and its loop alone."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PLAIN_LOOP, str(clip)], env=_env(), capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    return {"wall_s": wall, **json.loads(out.stdout.strip().splitlines()[-1])}


def build_long_clip(sample: Path, out: Path, seconds: float) -> Path:
    """Repeat a clip's packets until it lasts ``seconds`` (remux: no decode, no re-encode)."""
    with av.open(str(sample)) as src, av.open(str(out), "w") as dst:
        source = src.streams.video[0]
        target = dst.add_stream_from_template(source)
        offset = 0
        while float(offset * source.time_base) < seconds:
            src.seek(0)
            low = high = None
            for packet in src.demux(source):
                if packet.dts is None or packet.pts is None:
                    continue
                end = packet.pts + (packet.duration or 0)
                low = packet.dts if low is None else min(low, packet.dts)
                high = end if high is None else max(high, end)
                packet.pts += offset
                packet.dts += offset
                packet.stream = target
                dst.mux(packet)
            offset += high - low
    return out


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def throughput_table(clip: Path, workers: int, repeats: int, tmp: Path) -> None:
    rows = []
    for i in range(repeats):
        plain = run_plain(clip)
        ours = run_extract(clip, workers, tmp / "track.npz")
        single = run_extract(clip, 1, tmp / "track1.npz")
        rows.append((plain, ours, single))
        print(f"  run {i + 1}: plain {plain['wall_s']:.1f} s, extract x{workers} {ours['wall_s']:.1f} s, "
              f"extract x1 {single['wall_s']:.1f} s (load {load()})", file=sys.stderr)  # fmt: skip
    frames = rows[0][0]["frames"]
    med = statistics.median
    plain_wall = med(r[0]["wall_s"] for r in rows)
    plain_loop = med(r[0]["loop_s"] for r in rows)
    ours = med(r[1]["wall_s"] for r in rows)
    single = med(r[2]["wall_s"] for r in rows)
    info = av.open(str(clip)).streams.video[0]
    print(f"\n### Throughput: {clip.name} ({info.width}x{info.height}, {frames} frames), "
          f"median of {repeats}, {os.cpu_count()} cores, load average after {load()}\n")  # fmt: skip
    print("| run | seconds | frames/s | ratio to plain (whole process) | ratio to plain loop only |")
    print("|---|---|---|---|---|")
    print(f"| plain loop, whole process | {plain_wall:.1f} | {frames / plain_wall:.1f} | 1.00 | |")
    print(f"| plain loop, loop only | {plain_loop:.1f} | {frames / plain_loop:.1f} | | 1.00 |")
    for label, wall in ((f"`analysis extract --workers {workers} --no-cache`", ours),
                        ("`analysis extract --workers 1 --no-cache`", single)):  # fmt: skip
        print(
            f"| {label} | {wall:.1f} | {frames / wall:.1f} | {plain_wall / wall:.2f} | {plain_loop / wall:.2f} |"
        )


def long_clip_table(sample: Path, workers: int, minutes: float, tmp: Path) -> Path:
    long_clip = build_long_clip(sample, tmp / "long.mp4", minutes * 60)
    track_path = tmp / "long.npz"
    result = run_extract(long_clip, workers, track_path, measure_memory=True)
    size_mb = long_clip.stat().st_size / 2**20
    print(
        f"\n### {minutes:g}-minute clip ({sample.name} repeated, {size_mb:.0f} MB), load average after {load()}\n"
    )
    print(
        "| workers | frames | seconds | frames/s | peak memory, all processes | largest process | processes |"
    )
    print("|---|---|---|---|---|---|---|")
    print(f"| {workers} | {result['frames']} | {result['wall_s']:.1f} | {result['frames'] / result['wall_s']:.1f} "
          f"| {result['peak_mb']:.0f} MB | {result['peak_single_mb']:.0f} MB | {result['processes']} |")  # fmt: skip
    return track_path


def recount_table(track_path: Path) -> None:
    sys.path.insert(0, str(REPO))
    try:
        from analysis.counting import count_reps
    except ImportError as exc:
        print(f"\n(re-count skipped: {exc})")
        return
    from analysis.track import PoseTrack

    timings = {}
    for label, kwargs in recount_settings():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            track = PoseTrack.load(track_path)
            result = count_reps(track, **kwargs)
            times.append(time.perf_counter() - started)
        timings[label] = (statistics.median(times), result.count, len(track))
    print("\n### Re-counting the cached 10-minute track (load .npz + count), median of 5\n")
    print("| settings | frames | reps | milliseconds |")
    print("|---|---|---|---|")
    for label, (seconds, count, frames) in timings.items():
        print(f"| {label} | {frames} | {count} | {seconds * 1000:.0f} |")


def recount_settings() -> list[tuple[str, dict]]:
    """Count settings a user might change after the pose pass (the exercise preset)."""
    return [("automatic", {}), ("exercise = squat", {"exercise": "squat"})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-long", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="replab-bench-") as folder:
        tmp = Path(folder)
        if not args.skip_throughput:
            throughput_table(args.clip, args.workers, args.repeats, tmp)
        if not args.skip_long:
            track_path = long_clip_table(args.clip, args.workers, args.long_minutes, tmp)
            recount_table(track_path)


if __name__ == "__main__":
    main()
