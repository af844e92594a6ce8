"""Speed and memory of pose extraction, against a plain single-process MediaPipe loop.

    python bench/speed.py [--clip CLIP] [--workers 2] [--repeats 2] [--long-minutes 10] [--ceiling]

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
3. Re-counting that clip's cached track with new settings, step by step, median of 5.
4. With ``--ceiling``: the plain loop alone and two copies at once, the most any two-way
   split can reach on this machine (``ceiling_table``).
5. Where a frame's time goes: CPU time per frame of decoding (PyAV with and without
   scaling, OpenCV) and of the model on the same frames at three sizes.

Timings depend on what else the machine is doing: the load average is printed with
each table. Nothing here is run by the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
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
sys.path.insert(0, str(REPO))

from analysis.shared_data import shared_data_dir  # noqa: E402

DEFAULT_CLIP = shared_data_dir() / "clips" / "squat_front_rjsong_1.mp4"

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
    """Peak memory of a process and its descendants, summed, sampled in a thread.

    Two measures: the sum of resident sets (RSS, counts shared library pages once per
    process, so it overstates) and the sum of proportional set sizes (PSS, shared pages
    split between the processes sharing them: what the processes really cost). Short-lived
    helpers that are not Python (a compiler probe run by an import) are left out: right
    after fork they report their parent's pages as their own.
    """

    def __init__(self, pid: int, every_s: float = 0.1):
        self.root = psutil.Process(pid)
        self.every_s = every_s
        self.peak_rss = self.peak_pss = self.peak_single = 0
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
            rss, pss = [], []
            for proc in procs:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    if "python" not in proc.name():
                        continue
                    info = proc.memory_full_info()
                    rss.append(info.rss)
                    pss.append(info.pss)
            if rss:
                self.peak_rss = max(self.peak_rss, sum(rss))
                self.peak_pss = max(self.peak_pss, sum(pss))
                self.peak_single = max(self.peak_single, max(rss))
                self.peak_processes = max(self.peak_processes, len(rss))
            self._stop.wait(self.every_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_extract(clip: Path, workers: int, out: Path, measure_memory: bool = False) -> dict:
    """Time ``python -m analysis extract`` as a whole process (start-up included)."""
    command = [sys.executable, "-m", "analysis", "extract", str(clip), "-o", str(out)]
    command += ["--workers", str(workers), "--no-cache"]
    cpu_before = _children_cpu()
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
    result = {"wall_s": wall, "frames": frames, "cpu_s": _children_cpu() - cpu_before}
    if memory:
        result.update(peak_rss_mb=memory.peak_rss / 2**20, peak_pss_mb=memory.peak_pss / 2**20)
        result["peak_single_mb"] = memory.peak_single / 2**20
        result["processes"] = memory.peak_processes
    return result


def run_plain(clip: Path) -> dict:
    """Time the plain loop as a whole process, and its loop alone."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PLAIN_LOOP, str(clip)], env=_env(), capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "cpu_s": _children_cpu() - cpu_before,
        **json.loads(out.stdout.strip().splitlines()[-1]),
    }


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process and their children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    cpu = [med(r[k]["cpu_s"] for r in rows) for k in range(3)]
    info = av.open(str(clip)).streams.video[0]
    print(f"\n### Throughput: {clip.name} ({info.width}x{info.height}, {frames} frames), "
          f"median of {repeats}, {os.cpu_count()} cores, load average after {load()}\n")  # fmt: skip
    print("| run | seconds | frames/s | ratio to plain (whole process) | ratio to plain loop only "
          "| CPU seconds, all processes |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    print(
        f"| plain loop, whole process | {plain_wall:.1f} | {frames / plain_wall:.1f} | 1.00 | | {cpu[0]:.1f} |"
    )
    print(f"| plain loop, loop only | {plain_loop:.1f} | {frames / plain_loop:.1f} | | 1.00 | |")
    for label, wall, seconds in ((f"`analysis extract --workers {workers} --no-cache`", ours, cpu[1]),
                                 ("`analysis extract --workers 1 --no-cache`", single, cpu[2])):  # fmt: skip
        print(f"| {label} | {wall:.1f} | {frames / wall:.1f} | {plain_wall / wall:.2f} | {plain_loop / wall:.2f} "
              f"| {seconds:.1f} |")  # fmt: skip


def run_plain_pair(clip: Path) -> list[dict]:
    """Two plain loops started together, each on the whole clip, as separate processes."""
    command = [sys.executable, "-c", PLAIN_LOOP, str(clip)]
    started = time.perf_counter()
    procs = [subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(2)]  # fmt: skip
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit("plain loop failed")
        results.append({"wall_s": time.perf_counter() - started, **json.loads(out.strip().splitlines()[-1])})
    return results


def ceiling_table(clip: Path, repeats: int) -> None:
    """What two cores give two independent programs on this machine: the ratio no split can beat.

    The same plain loop runs alone, then twice at once. Together the two copies do twice
    the work of one in the pair's time, so 2 x alone / pair is what a perfect two-way split
    of the plain loop's own per-frame work would reach against it. Each copy runs slower
    in the pair than alone: alone it decodes on spare threads of the second core, and the
    two copies share caches and memory bandwidth.
    """
    rows = []
    for i in range(repeats):
        alone = run_plain(clip)
        pair = run_plain_pair(clip)
        rows.append((alone, pair))
        print(f"  run {i + 1}: alone {alone['loop_s']:.1f} s, pair {pair[0]['loop_s']:.1f} / {pair[1]['loop_s']:.1f} s "
              f"(load {load()})", file=sys.stderr)  # fmt: skip
    med = statistics.median
    alone_loop = med(r[0]["loop_s"] for r in rows)
    alone_wall = med(r[0]["wall_s"] for r in rows)
    pair_loop = med(max(p["loop_s"] for p in r[1]) for r in rows)
    pair_wall = med(max(p["wall_s"] for p in r[1]) for r in rows)
    print(f"\n### The machine's own ceiling: the plain loop alone and two at once ({clip.name}, median of "
          f"{repeats}, load average after {load()})\n")  # fmt: skip
    print(
        "| run | loop seconds | whole-process seconds | 2 x alone / pair (loop) | 2 x alone / pair (whole) |"
    )
    print("|---|---|---|---|---|")
    print(f"| plain loop alone | {alone_loop:.2f} | {alone_wall:.2f} | | |")
    print(f"| two plain loops at once (the later to finish) | {pair_loop:.2f} | {pair_wall:.2f} "
          f"| {2 * alone_loop / pair_loop:.2f} | {2 * alone_wall / pair_wall:.2f} |")  # fmt: skip


def long_clip_table(sample: Path, workers: int, minutes: float, tmp: Path, plain: bool = False) -> Path:
    long_clip = build_long_clip(sample, tmp / "long.mp4", minutes * 60)
    track_path = tmp / "long.npz"
    baseline = run_plain(long_clip) if plain else None
    result = run_extract(long_clip, workers, track_path, measure_memory=True)
    size_mb = long_clip.stat().st_size / 2**20
    print(
        f"\n### {minutes:g}-minute clip ({sample.name} repeated, {size_mb:.0f} MB), load average after {load()}\n"
    )
    print("| workers | frames | seconds | frames/s | peak memory (PSS, all processes) | peak RSS, all processes "
          "| largest process (RSS) | processes |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {workers} | {result['frames']} | {result['wall_s']:.1f} | {result['frames'] / result['wall_s']:.1f} "
          f"| {result['peak_pss_mb']:.0f} MB | {result['peak_rss_mb']:.0f} MB | {result['peak_single_mb']:.0f} MB "
          f"| {result['processes']} |")  # fmt: skip
    if baseline:
        print(f"\nPlain loop on the same clip, just before: {baseline['wall_s']:.1f} s whole process "
              f"({baseline['frames'] / baseline['wall_s']:.1f} frames/s); ratio {baseline['wall_s'] / result['wall_s']:.2f} "
              f"(loop only: {baseline['loop_s'] / result['wall_s']:.2f}); CPU seconds: plain {baseline['cpu_s']:.0f}, "
              f"extract {result['cpu_s']:.0f}.")  # fmt: skip
    return track_path


def stage_table(clip: Path, frames: int = 300) -> None:
    """CPU milliseconds per frame of each stage, in this process (all threads counted)."""
    import cv2
    import mediapipe as mp

    from analysis.video import iter_frames

    def cpu_per_frame(work) -> float:
        started = time.process_time()
        n = work()
        return 1000 * (time.process_time() - started) / n

    def pyav(max_side, threads):
        def work():
            n = 0
            for _ in iter_frames(clip, max_side=max_side, threads=threads):
                n += 1
                if n == frames:
                    break
            return n

        return work

    def opencv():
        capture, n = cv2.VideoCapture(str(clip)), 0
        while n < frames:
            ok, bgr = capture.read()
            if not ok:
                break
            cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            n += 1
        return n

    def pyav_raw(two_step: bool):
        """Decode only, or decode plus shrinking in YUV and then converting (two swscale steps)."""

        def work():
            import av
            from av.video.reformatter import VideoReformatter

            shrink, convert, n = VideoReformatter(), VideoReformatter(), 0
            with av.open(str(clip)) as container:
                for frame in container.decode(video=0):
                    if two_step:
                        height = int(round(frame.height * 640 / frame.width / 2)) * 2
                        small = shrink.reformat(
                            frame, width=640, height=height, format="yuv420p", interpolation="AREA"
                        )
                        convert.reformat(small, format="rgb24").to_ndarray()
                    n += 1
                    if n == frames:
                        break
            return n

        return work

    rows = [
        ("decode only, PyAV, no conversion, one thread", cpu_per_frame(pyav_raw(False))),
        ("decode, PyAV, full size RGB, one thread", cpu_per_frame(pyav(None, False))),
        ("decode, PyAV, scaled to 640 px during conversion (iter_frames), one thread", cpu_per_frame(pyav(640, False))),
        ("decode, PyAV, as above, FFmpeg threads", cpu_per_frame(pyav(640, True))),
        ("decode, PyAV, shrunk to 640 px in YUV, then converted (not used: changes counts)", cpu_per_frame(pyav_raw(True))),
        ("decode, OpenCV + cvtColor, full size (the plain loop)", cpu_per_frame(opencv)),
    ]  # fmt: skip
    from analysis.pose import LegacyPoseBackend, PoseSettings

    frames_640 = [(f.rgb, f.time_s) for f, _ in zip(iter_frames(clip, max_side=640), range(frames))]
    backend = LegacyPoseBackend(PoseSettings())
    backend.process(*frames_640[0])

    def lean(frames_640=frames_640, backend=backend):
        for image, time_s in frames_640[1:]:
            backend.process(image, time_s)
        return len(frames_640) - 1

    rows.append(("LegacyPoseBackend.process (graph fed directly), 640 px input", cpu_per_frame(lean)))
    backend.close()
    del frames_640
    for side in (None, 640, 320):
        images = [f.rgb for f, _ in zip(iter_frames(clip, max_side=side), range(frames))]
        pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)
        pose.process(images[0])  # graph start-up is not a per-frame cost

        def model(images=images, pose=pose):
            for image in images:
                pose.process(image)
            return len(images)

        label = f"{images[0].shape[1]}x{images[0].shape[0]}"
        rows.append((f"MediaPipe Pose.process (full model), {label} input", cpu_per_frame(model)))
        pose.close()
        del images
    print(
        f"\n### Where a frame's time goes ({clip.name}, {frames} frames, CPU time, load average {load()})\n"
    )
    print("| stage | CPU ms per frame |")
    print("|---|---|")
    for label, ms in rows:
        print(f"| {label} | {ms:.2f} |")


def recount_table(track_path: Path) -> None:
    """Time the steps of re-counting a cached track, as the dashboard does them: the
    track is loaded and its count signal prepared once per clip (and per exercise); a
    new counter setting only re-runs the counter on that signal."""
    try:
        from analysis.counting import count_reps

        # the work ``prepare_signal`` does: it remembers its result by the track's content, so
        # timed through it, runs 2-5 were a dictionary lookup (17 ms for 450 ms of work: review Z)
        from analysis.counting.api import _build_signal as build_signal
    except ImportError as exc:
        print(f"\n(re-count skipped: {exc})")
        return
    from analysis.track import PoseTrack

    def median_ms(work, repeats: int = 5):
        times, value = [], None
        for _ in range(repeats):
            started = time.perf_counter()
            value = work()
            times.append(time.perf_counter() - started)
        return 1000 * statistics.median(times), value

    load_ms, track = median_ms(lambda: PoseTrack.load(track_path))
    rows = [("load the cached track (.npz)", load_ms, "")]
    for exercise in (None, "squat"):
        label = exercise or "automatic"
        prep_ms, signal = median_ms(lambda exercise=exercise: build_signal(track, exercise))
        rows.append((f"prepare the count signal ({label})", prep_ms, ""))
        for settings in ({}, {"prominence_ratio": 0.5}, {"min_distance_s": 1.5}):
            count_ms, result = median_ms(
                lambda exercise=exercise, signal=signal, settings=settings: count_reps(
                    track, exercise=exercise, signal=signal, **settings
                )
            )
            text = ", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
            rows.append((f"count on the prepared signal ({label}; {text})", count_ms, result.count))

        def from_the_file(exercise=exercise):
            loaded = PoseTrack.load(track_path)
            return count_reps(loaded, exercise=exercise, signal=build_signal(loaded, exercise))

        whole_ms, result = median_ms(from_the_file)
        rows.append((f"everything from the file: load + signal + count ({label})", whole_ms, result.count))
    print(f"\n### Re-counting the cached long track ({len(track)} frames), median of 5\n")
    print("| step | milliseconds | reps |")
    print("|---|---|---|")
    for label, ms, reps in rows:
        print(f"| {label} | {ms:.0f} | {reps} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--skip-stages", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--recount-only", type=Path, help="only time re-counting this saved track")
    parser.add_argument("--keep-track", type=Path, help="keep the long clip's track (.npz) here")
    parser.add_argument("--long-plain", action="store_true", help="also time the plain loop on the long clip")
    parser.add_argument(
        "--ceiling", action="store_true", help="also time two plain loops at once (the ceiling)"
    )
    args = parser.parse_args()
    if args.recount_only:
        recount_table(args.recount_only)
        return
    with tempfile.TemporaryDirectory(prefix="replab-bench-") as folder:
        tmp = Path(folder)
        if not args.skip_stages:
            stage_table(args.clip)
        if not args.skip_throughput:
            throughput_table(args.clip, args.workers, args.repeats, tmp)
        if args.ceiling:
            ceiling_table(args.clip, args.repeats)
        if not args.skip_long:
            track_path = long_clip_table(args.clip, args.workers, args.long_minutes, tmp, args.long_plain)
            if args.keep_track:
                shutil.copy(track_path, args.keep_track)
            recount_table(track_path)


if __name__ == "__main__":
    main()
