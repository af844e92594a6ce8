"""Pose extraction: a clip in, a ``PoseTrack`` out.

Default backend: MediaPipe's legacy Pose solution with the BlazePose *full* model that
ships inside the ``mediapipe==0.10.21`` wheel, so it works offline. A user-supplied
``.task`` bundle runs through the MediaPipe Tasks API instead.

With ``workers > 1`` the clip is cut into time chunks analysed by separate processes
(MediaPipe's legacy graph runs on one core). Each chunk starts a short warm-up before
its boundary so tracking and smoothing have settled when its own frames begin; the
warm-up frames are dropped, so the joined track matches a single pass closely.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.cache import TrackCache, file_hash, settings_key
from analysis.errors import PoseError, RepLabError, VideoError
from analysis.track import N_LANDMARKS, PoseTrack, load_track  # noqa: F401  (re-exported)
from analysis.video import iter_frames, probe

ProgressFn = Callable[[int, int], None]  # (frames done, frames expected)

DEFAULT_MAX_SIDE = 640
WARMUP_S = 1.0
_PROGRESS_EVERY = 10
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class PoseSettings:
    """Everything that changes the landmarks a pass produces (and so the cache key)."""

    model_path: str | None = None  # a .task bundle for the Tasks API; None = built-in full model
    model_complexity: int = 1
    smooth: bool = True
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    max_side: int = DEFAULT_MAX_SIDE
    stride: int = 1  # analyse every n-th frame (counting-only runs)

    def cache_fields(self) -> dict:
        fields = dict(self.__dict__)
        if self.model_path:
            fields["model_path"] = file_hash(self.model_path)
        fields["version"] = 1
        return fields


class LegacyPoseBackend:
    """``mp.solutions.pose`` with the model bundled in the wheel (no download)."""

    name = "mediapipe-legacy"

    def __init__(self, settings: PoseSettings):
        import mediapipe as mp

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=settings.model_complexity,
            smooth_landmarks=settings.smooth,
            min_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )

    def process(self, rgb: np.ndarray, time_s: float):
        result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            return None
        image = np.array([[p.x, p.y, p.z, p.visibility] for p in result.pose_landmarks.landmark])
        world = np.array([[p.x, p.y, p.z] for p in result.pose_world_landmarks.landmark])
        return image[:, :3], image[:, 3], world

    def close(self) -> None:
        self._pose.close()


class TasksPoseBackend:
    """MediaPipe Tasks ``PoseLandmarker`` in video mode, for a user-supplied ``.task`` file."""

    name = "mediapipe-tasks"

    def __init__(self, settings: PoseSettings):
        check_task_file(settings.model_path)
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=settings.model_path),
            running_mode=vision.RunningMode.VIDEO,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
            num_poses=1,
        )
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise PoseError(
                f"{os.path.basename(settings.model_path)}: MediaPipe cannot load this pose model ({exc})."
            ) from None
        self._last_ms = -1

    def process(self, rgb: np.ndarray, time_s: float):
        import mediapipe as mp

        stamp = max(int(round(time_s * 1000)), self._last_ms + 1)  # must strictly increase
        self._last_ms = stamp
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._landmarker.detect_for_video(image, stamp)
        if not result.pose_landmarks:
            return None
        points = np.array([[p.x, p.y, p.z, p.visibility or 0.0] for p in result.pose_landmarks[0]])
        world = np.array([[p.x, p.y, p.z] for p in result.pose_world_landmarks[0]])
        return points[:, :3], points[:, 3], world

    def close(self) -> None:
        self._landmarker.close()


def check_task_file(model_path: str | None) -> None:
    """Fail early, in plain words, on a model file the Tasks API could not use."""
    if not model_path or not os.path.isfile(model_path):
        raise PoseError(f"pose model file not found: {model_path}")
    if not zipfile.is_zipfile(model_path):
        raise PoseError(
            f"{os.path.basename(model_path)} is not a MediaPipe .task bundle "
            "(expected a pose_landmarker .task file)."
        )


def make_backend(settings: PoseSettings):
    return TasksPoseBackend(settings) if settings.model_path else LegacyPoseBackend(settings)


class ChunkLimit:
    """The moving end of a chunk that is already running (thread-safe).

    The in-process chunk starts before the worker processes are ready, with no end;
    once they are, the parent sets its end from how far it has got, so no core idles
    while the others start up.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.end_s: float | None = None
        self.position_s = 0.0  # time of the last frame the chunk reached

    def reached(self, time_s: float) -> bool:
        """Record progress; True when ``time_s`` is at or past the end."""
        with self.lock:
            self.position_s = time_s
            return self.end_s is not None and time_s >= self.end_s - 1e-6


def _analyse_range(
    path: str,
    settings: PoseSettings,
    start_s: float,
    end_s: float | None,
    report: Callable[[int], None],
    backend=None,
    limit: ChunkLimit | None = None,
    decode_threads: bool = True,
) -> dict:
    """Run the backend over frames with times in [start_s, end_s); returns plain arrays.

    Frames in the warm-up before ``start_s`` are fed to the model but not kept. A
    ``backend`` built beforehand (a worker warms up while it waits) is used and closed;
    a ``limit`` lets the caller move the end while the chunk runs. Chunks that run in
    parallel pass ``decode_threads=False`` (every core is busy with a model already).
    """
    backend = backend or make_backend(settings)
    warm_from = max(0.0, start_s - WARMUP_S) if start_s > 0 else 0.0
    n_max = 1024
    times = np.empty(n_max, dtype=np.float64)
    image = np.empty((n_max, N_LANDMARKS, 3), dtype=np.float32)
    visibility = np.empty((n_max, N_LANDMARKS), dtype=np.float32)
    world = np.empty((n_max, N_LANDMARKS, 3), dtype=np.float32)
    n = done = 0
    try:
        frames = iter_frames(path, warm_from, end_s, max_side=settings.max_side, threads=decode_threads)
        for frame in frames:
            if limit is not None and limit.reached(frame.time_s):
                break
            keep = frame.time_s >= start_s - 1e-6
            if keep and settings.stride > 1 and frame.index % settings.stride:
                done += 1
                continue
            result = backend.process(frame.rgb, frame.time_s)
            if not keep:
                continue
            if n == n_max:  # grow geometrically: a long clip's arrays, never its frames
                n_max *= 2
                times, image, visibility, world = (
                    np.resize(a, (n_max, *a.shape[1:])) for a in (times, image, visibility, world)
                )
            times[n] = frame.time_s
            if result is None:
                image[n], visibility[n], world[n] = np.nan, np.nan, np.nan
            else:
                image[n], visibility[n], world[n] = result
            n += 1
            done += 1
            if done >= _PROGRESS_EVERY:
                report(done)
                done = 0
    finally:
        backend.close()
    report(done)
    return {"times": times[:n].copy(), "landmarks": image[:n].copy(), "visibility": visibility[:n].copy(),
            "world": world[:n].copy()}  # fmt: skip


def plan_chunks(
    position_s: float, duration_s: float, n_chunks: int, warmup_s: float = WARMUP_S, min_chunk_s: float = 2.0
) -> list[float]:
    """Start times of the worker chunks, given where the running first chunk has got to.

    Every worker first analyses ``warmup_s`` of frames it does not keep, so the first
    chunk gets that much more video and all chunks finish together. Fewer chunks are
    used when each would be shorter than ``min_chunk_s`` (the start-up would not pay).
    Returns an empty list when the first chunk should just carry on to the end.
    """
    remaining = duration_s - position_s
    for m in range(max(1, n_chunks), 1, -1):
        length = (remaining - warmup_s) / m
        if length >= min_chunk_s:
            first_end = position_s + length + warmup_s
            return [first_end + i * length for i in range(m - 1)]
    return []


def _run_chunks(
    path: str,
    settings: PoseSettings,
    duration_s: float,
    workers: int,
    total: int,
    progress: ProgressFn | None,
) -> tuple[dict, int]:
    """Analyse one clip with this process and ``workers - 1`` worker processes.

    Returns the joined arrays and the number of chunks that ran.

    The first chunk starts at once in a thread of this process (MediaPipe releases the
    GIL while it works) while the workers (``python -m analysis.pose_worker``) import
    MediaPipe and build their graph; only when they report ready are the chunk
    boundaries drawn, from how far the first chunk has got, so start-up costs no idle
    core. A worker that never gets ready is told to quit and the first chunk carries on.
    Workers are plain subprocesses rather than ``multiprocessing`` children, so they work
    the same from a script without a ``__main__`` guard, from Streamlit and from Dask.
    """
    messages: queue.Queue = queue.Queue()
    local: dict = {}
    limit = ChunkLimit()

    def run_first_chunk() -> None:
        try:
            local["arrays"] = _analyse_range(
                path, settings, 0.0, None, lambda n: messages.put(("progress", 0, n)), limit=limit,
                decode_threads=False,
            )  # fmt: skip
            messages.put(("exit", 0, 0))
        except Exception as exc:
            text = str(exc) if isinstance(exc, RepLabError) else f"pose extraction failed: {exc}"
            messages.put(("error", 0, text))

    with tempfile.TemporaryDirectory(prefix="replab-chunks-") as tmp:
        procs: dict[int, subprocess.Popen] = {}
        for i in range(1, workers):
            job = {"path": path, "settings": settings.__dict__, "out": os.path.join(tmp, f"chunk{i}.npz")}
            procs[i] = subprocess.Popen(
                [sys.executable, "-m", "analysis.pose_worker", json.dumps(job)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                cwd=_PACKAGE_ROOT, env={**os.environ, "GLOG_minloglevel": "2"},
            )  # fmt: skip
            threading.Thread(target=_pump, args=(i, procs[i], messages), daemon=True).start()
        first = threading.Thread(target=run_first_chunk, daemon=True)
        first.start()
        ready: set[int] = set()
        running = {0, *procs}  # chunks that have not exited yet
        assigned: list[int] = []  # workers given a chunk, in time order
        starts: list[float] = []
        planned = False
        done, error = 0, None

        def plan() -> None:
            nonlocal planned, assigned, starts
            planned = True
            with limit.lock:
                if 0 in running:
                    starts = plan_chunks(limit.position_s, duration_s, 1 + len(ready))
                    limit.end_s = starts[0] if starts else None
            assigned = sorted(ready)[: len(starts)]
            for i, worker in sorted(procs.items()):
                if i in assigned:
                    k = assigned.index(i)
                    end = starts[k + 1] if k + 1 < len(starts) else None
                    line = json.dumps({"start_s": starts[k], "end_s": end})
                else:
                    line = "quit"
                try:
                    worker.stdin.write(line + "\n")
                    worker.stdin.close()
                except OSError:
                    pass  # it has died; its exit message tells

        try:
            while running and error is None:
                kind, who, value = messages.get()
                if kind == "progress":
                    done += value
                    if progress:
                        progress(min(done, total), total)
                elif kind == "ready":
                    ready.add(who)
                elif kind == "error":
                    if who == 0 or who in assigned:
                        error = value
                    running.discard(who)
                    if not planned:
                        ready.discard(who)
                else:  # exit
                    running.discard(who)
                    if who in assigned and value != 0:
                        error = "a pose worker process stopped unexpectedly"
                    if not planned:
                        ready.discard(who)  # died while starting: carry on without it
                if not planned and (0 not in running or all(i in ready for i in running - {0})):
                    plan()
        finally:
            if error is not None or running:  # stop everything still working
                with limit.lock:
                    limit.end_s = -1.0
            for worker in procs.values():
                if worker.poll() is None and (error is not None or running):
                    worker.kill()
                worker.wait()
            first.join()
        if error is not None:
            raise PoseError(error)
        parts = [local["arrays"]] + [dict(np.load(os.path.join(tmp, f"chunk{i}.npz"))) for i in assigned]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}, len(parts)


def _pump(who: int, proc: subprocess.Popen, messages: queue.Queue) -> None:
    """Forward one worker's stdout lines ("ready", "progress N", "error MSG") to the queue."""
    for line in proc.stdout:
        kind, _, value = line.rstrip("\n").partition(" ")
        if kind == "progress":
            messages.put(("progress", who, int(value)))
        elif kind == "ready":
            messages.put(("ready", who, None))
        elif kind == "error":
            messages.put(("error", who, value))
    proc.wait()
    messages.put(("exit", who, proc.returncode))


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, not just the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_bounds(duration_s: float, workers: int) -> list[tuple[float, float | None]]:
    """Equal time chunks; the last one is open-ended so no trailing frame is lost."""
    workers = max(1, int(workers))
    if workers == 1 or duration_s < 4.0 * workers:  # too short to be worth the start-up cost
        return [(0.0, None)]
    edges = [duration_s * i / workers for i in range(workers)]
    return [(edges[i], edges[i + 1] if i + 1 < workers else None) for i in range(workers)]


def extract_pose(
    path: str | os.PathLike,
    progress: ProgressFn | None = None,
    workers: int = 1,
    settings: PoseSettings | None = None,
    cache: TrackCache | None | bool = True,
    require_person: bool = True,
) -> PoseTrack:
    """Extract the pose track of a clip (cached by content hash and settings).

    Args:
        path: the video file.
        progress: called as ``progress(done, total)`` with frame counts while working.
        workers: processes working on separate time chunks in parallel (at most one per
            core this process may use: MediaPipe's graph keeps a core busy, so more would
            only add start-up and warm-up work).
        settings: model and pre-processing settings (``PoseSettings()`` by default).
        cache: a ``TrackCache``, ``True`` for the default cache folder, or ``False``/``None``
            to always run the model.
        require_person: raise ``PoseError`` when no frame shows a person.
    """
    settings = settings or PoseSettings()
    path = os.fspath(path)
    info = probe(path)  # raises VideoError with a readable message on bad input
    content_hash = file_hash(path)
    store = TrackCache() if cache is True else (cache or None)
    key = settings_key(content_hash, settings.cache_fields())
    if store is not None:
        cached = store.get(key)
        if cached is not None:
            if progress:
                progress(len(cached), len(cached))
            _check_person(cached, require_person)
            return cached

    if settings.model_path:
        check_task_file(settings.model_path)
    total = max(1, info.frame_count)
    n_chunks = len(chunk_bounds(info.duration_s, min(workers, usable_cores())))
    if n_chunks == 1:
        counter = {"done": 0}

        def report(n: int) -> None:
            counter["done"] += n
            if progress:
                progress(min(counter["done"], total), total)

        arrays = _analyse_range(path, settings, 0.0, None, report)
        used = 1
    else:
        arrays, used = _run_chunks(path, settings, info.duration_s, n_chunks, total, progress)
    if len(arrays["times"]) == 0:
        raise VideoError(f"{os.path.basename(path)}: the video has no frames that can be decoded.")
    track = PoseTrack(
        **arrays,
        width=info.width,
        height=info.height,
        fps=info.fps / settings.stride,
        source_hash=content_hash,
        source_name=os.path.basename(path),
        meta={
            "backend": "mediapipe-tasks" if settings.model_path else "mediapipe-legacy",
            "model": os.path.basename(settings.model_path) if settings.model_path else "pose_landmark_full",
            "workers": n_chunks,
            "chunks": used,  # chunks actually run (fewer when workers started too late)
            "rotation": info.rotation,
            **{k: v for k, v in settings.__dict__.items() if k != "model_path"},
        },
    )
    if progress:
        progress(len(track), len(track))  # the real frame count, not the estimate
    if store is not None:
        store.put(key, track)
    _check_person(track, require_person)
    return track


def _check_person(track: PoseTrack, require_person: bool) -> None:
    if require_person and not track.detected.any():
        raise PoseError(
            f"{track.source_name}: no person was found in any frame. Film the whole body, "
            "well lit, with the person filling a good part of the picture."
        )
