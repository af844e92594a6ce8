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


def _analyse_range(
    path: str, settings: PoseSettings, start_s: float, end_s: float | None, report: Callable[[int], None]
) -> dict:
    """Run the backend over frames with times in [start_s, end_s); returns plain arrays.

    Frames in the warm-up before ``start_s`` are fed to the model but not kept.
    """
    backend = make_backend(settings)
    warm_from = max(0.0, start_s - WARMUP_S) if start_s > 0 else 0.0
    times, image, visibility, world = [], [], [], []
    done = 0
    try:
        for frame in iter_frames(path, start_s=warm_from, end_s=end_s, max_side=settings.max_side):
            keep = frame.time_s >= start_s - 1e-6
            if keep and settings.stride > 1 and frame.index % settings.stride:
                if frame.time_s >= start_s:
                    done += 1
                continue
            result = backend.process(frame.rgb, frame.time_s)
            if not keep:
                continue
            times.append(frame.time_s)
            if result is None:
                image.append(np.full((N_LANDMARKS, 3), np.nan))
                visibility.append(np.full(N_LANDMARKS, np.nan))
                world.append(np.full((N_LANDMARKS, 3), np.nan))
            else:
                image.append(result[0])
                visibility.append(result[1])
                world.append(result[2])
            done += 1
            if done % _PROGRESS_EVERY == 0:
                report(_PROGRESS_EVERY)
    finally:
        backend.close()
    report(done % _PROGRESS_EVERY)
    n = len(times)
    return {
        "times": np.array(times, dtype=np.float64),
        "landmarks": np.array(image, dtype=np.float32).reshape(n, N_LANDMARKS, 3),
        "visibility": np.array(visibility, dtype=np.float32).reshape(n, N_LANDMARKS),
        "world": np.array(world, dtype=np.float32).reshape(n, N_LANDMARKS, 3),
    }


def _run_chunks(
    path: str,
    settings: PoseSettings,
    bounds: list[tuple[float, float | None]],
    total: int,
    progress: ProgressFn | None,
) -> dict:
    """Analyse chunks in parallel worker processes (``python -m analysis.pose_worker``).

    Workers are plain subprocesses rather than ``multiprocessing`` children, so they work
    the same from a script without a ``__main__`` guard, from Streamlit and from Dask.
    Each prints progress lines and writes its arrays to a temporary .npz.
    """
    messages: queue.Queue = queue.Queue()
    local: dict = {}

    def run_first_chunk() -> None:
        # The first chunk runs in this process (MediaPipe releases the GIL while it
        # works), which saves one interpreter start-up per extraction.
        try:
            local["arrays"] = _analyse_range(
                path, settings, bounds[0][0], bounds[0][1], lambda n: messages.put(("progress", n))
            )
            messages.put(("exit", 0))
        except Exception as exc:
            messages.put(
                ("error", str(exc) if isinstance(exc, RepLabError) else f"pose extraction failed: {exc}")
            )

    with tempfile.TemporaryDirectory(prefix="replab-chunks-") as tmp:
        procs, outputs = [], []
        for i, (start, end) in enumerate(bounds[1:], start=1):
            out = os.path.join(tmp, f"chunk{i}.npz")
            job = {"path": path, "settings": settings.__dict__, "start_s": start, "end_s": end, "out": out}
            proc = subprocess.Popen(
                [sys.executable, "-m", "analysis.pose_worker", json.dumps(job)],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                cwd=_PACKAGE_ROOT, env={**os.environ, "GLOG_minloglevel": "2"},
            )  # fmt: skip
            threading.Thread(target=_pump, args=(proc, messages), daemon=True).start()
            procs.append(proc)
            outputs.append(out)
        first = threading.Thread(target=run_first_chunk, daemon=True)
        first.start()
        done, finished, error = 0, 0, None
        try:
            while finished < len(bounds) and error is None:
                kind, value = messages.get()
                if kind == "progress":
                    done += value
                    if progress:
                        progress(min(done, total), total)
                elif kind == "error":
                    error = value
                else:
                    finished += 1
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            first.join()
        if error is None and any(proc.returncode for proc in procs):
            error = "a pose worker process stopped unexpectedly"
        if error is not None:
            raise PoseError(error)
        parts = [local["arrays"]] + [dict(np.load(out)) for out in outputs]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _pump(proc: subprocess.Popen, messages: queue.Queue) -> None:
    """Forward one worker's stdout lines ("progress N" / "error MSG") to the queue."""
    for line in proc.stdout:
        kind, _, value = line.rstrip("\n").partition(" ")
        if kind == "progress":
            messages.put(("progress", int(value)))
        elif kind == "error":
            messages.put(("error", value))
    proc.wait()
    messages.put(("exit", proc.returncode))


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
        workers: processes working on separate time chunks in parallel.
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
    bounds = chunk_bounds(info.duration_s, workers)
    if len(bounds) == 1:
        counter = {"done": 0}

        def report(n: int) -> None:
            counter["done"] += n
            if progress:
                progress(min(counter["done"], total), total)

        arrays = _analyse_range(path, settings, 0.0, None, report)
    else:
        arrays = _run_chunks(path, settings, bounds, total, progress)
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
            "workers": len(bounds),
            "rotation": info.rotation,
            **{k: v for k, v in settings.__dict__.items() if k != "model_path"},
        },
    )
    if progress:
        progress(total, total)
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
