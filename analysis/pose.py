"""Pose extraction: a clip in, a ``PoseTrack`` out.

Default backend: MediaPipe's legacy Pose solution with the BlazePose *full* model that
ships inside the ``mediapipe==0.10.21`` wheel, so it works offline. A user-supplied
``.task`` bundle runs through the MediaPipe Tasks API instead.

With ``workers > 1`` the clip is cut into time chunks analysed at once, each by its own
decoder and MediaPipe graph (one graph keeps one core busy). Each chunk starts a short
warm-up before its boundary so tracking and smoothing have settled when its own frames
begin; the warm-up frames are dropped, so the joined track matches a single pass closely.
"""

from __future__ import annotations

import os
import queue
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.cache import TrackCache, file_hash, settings_key
from analysis.errors import PoseError, RepLabError, VideoError
from analysis.mediapipe_import import import_mediapipe
from analysis.track import N_LANDMARKS, PoseTrack, load_track  # noqa: F401  (re-exported)
from analysis.video import iter_frames, keyframe_lookup, probe

ProgressFn = Callable[[int, int], None]  # (frames done, frames expected)

DEFAULT_MAX_SIDE = 640
WARMUP_S = 0.5
# Decoding a 720p frame without analysing it costs 0.7-0.8 ms against 11-13 ms for a frame
# the model sees (bench/speed.py, "where a frame's time goes").
PREROLL_DECODE_SHARE = 0.07
_SOLUTION_STEP_US = 33333  # mp.solutions' SolutionBase.process timestamp step
_PROGRESS_EVERY = 10


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
        fields["version"] = 3  # 3: the graph fed directly (same stamps and pixels as version 1)
        return fields


class LegacyPoseBackend:
    """``mp.solutions.pose`` with the model bundled in the wheel (no download).

    Frames go to the solution's graph directly instead of through ``Pose.process``,
    which spends about 0.4 ms of Python per frame building a namedtuple type (a share of
    the frame budget that parallel chunks feel). They are stamped exactly as
    ``Pose.process`` stamps them, 1/30 s apart whatever the clip's rate: the landmark
    smoothing filter works in time, and with real timestamps it changed the count on the
    two 25 fps clips of the 20 hand-counted ones (docs/performance.md), so the tracks the
    counters were validated on are kept.
    """

    name = "mediapipe-legacy"

    def __init__(self, settings: PoseSettings):
        mp = import_mediapipe()
        from mediapipe.python import packet_creator, packet_getter

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=settings.model_complexity,
            smooth_landmarks=settings.smooth,
            min_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        self._graph = self._pose._graph  # noqa: SLF001  (mediapipe is pinned: 0.10.21)
        self._outputs = self._pose._graph_outputs  # noqa: SLF001  filled by the graph's observers
        self._image_frame = packet_creator.create_image_frame
        self._get_proto = packet_getter.get_proto
        self._srgb = mp.ImageFormat.SRGB
        self._last_us = 0

    def process(self, rgb: np.ndarray, time_s: float):
        self._last_us += _SOLUTION_STEP_US  # as Pose.process: a simulated 30 frames/s
        stamp = self._last_us
        self._outputs.clear()
        packet = self._image_frame(data=rgb, image_format=self._srgb).at(stamp)
        self._graph.add_packet_to_input_stream(stream="image", packet=packet)
        self._graph.wait_until_idle()
        found = self._outputs.get("pose_landmarks")
        if found is None or found.is_empty():
            return None
        points = self._get_proto(found).landmark
        world = self._get_proto(self._outputs["pose_world_landmarks"]).landmark
        image = np.array([[p.x, p.y, p.z, p.visibility] for p in points], dtype=np.float32)
        world_xyz = np.array([[p.x, p.y, p.z] for p in world], dtype=np.float32)
        return image[:, :3], image[:, 3], world_xyz

    def close(self) -> None:
        self._pose.close()


class TasksPoseBackend:
    """MediaPipe Tasks ``PoseLandmarker`` in video mode, for a user-supplied ``.task`` file."""

    name = "mediapipe-tasks"

    def __init__(self, settings: PoseSettings):
        check_task_file(settings.model_path)
        import_mediapipe()
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
    path: str,
    settings: PoseSettings,
    start_s: float,
    end_s: float | None,
    report: Callable[[int], None],
    stop: threading.Event | None = None,
    decode_threads: bool = True,
    *,
    fps: float,
) -> dict:
    """Run the backend over frames with times in [start_s, end_s); returns plain arrays.

    Frames in the warm-up before ``start_s`` are fed to the model but not kept. A set
    ``stop`` event ends the chunk early (another chunk failed). Chunks that run in parallel pass
    ``decode_threads=False`` (every core is busy with a model already).
    """
    backend = make_backend(settings)
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
            if stop is not None and stop.is_set():
                break
            keep = frame.time_s >= start_s - 1e-6
            # the stride counts frames from the clip's start (not the chunk's), so every
            # chunk keeps the same frames a single pass keeps
            if keep and settings.stride > 1 and int(round(frame.time_s * fps)) % settings.stride:
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
    position_s: float,
    duration_s: float,
    n_chunks: int,
    warmup_s: float = WARMUP_S,
    min_chunk_s: float = 2.0,
    keyframe_before: Callable[[float], float] | None = None,
    preroll_share: float = PREROLL_DECODE_SHARE,
) -> list[float]:
    """Start times of the chunks after the first, which begins at ``position_s``.

    Chunks are sized to take the same time. Every later chunk first analyses ``warmup_s``
    of frames it does not keep, and before that decodes (without analysing) the frames
    from the keyframe its seek lands on: ``keyframe_before(t)`` gives that keyframe's time
    and ``preroll_share`` what decoding a frame costs against analysing one. A clip with
    one keyframe every 8 s, or only one at all, would otherwise leave the later chunk
    several seconds of decoding behind. Fewer chunks are used when each would be shorter
    than ``min_chunk_s`` (the warm-up would not pay). Returns an empty list when the clip
    should be one chunk. Boundaries depend only on the clip, so a clip always gives the
    same track.
    """
    remaining = duration_s - position_s
    for m in range(max(1, n_chunks), 1, -1):
        extra = [warmup_s] * (m - 1)  # work of each later chunk beyond its own frames
        for _ in range(20):  # the keyframes depend on the boundaries: settle them in turn
            length = (remaining + sum(extra)) / m  # the first chunk's length, and the work of each
            starts = list(position_s + length + np.cumsum([0.0, *(length - e for e in extra[:-1])]))
            if keyframe_before is None:
                break
            settled = extra
            extra = [
                warmup_s + preroll_share * max(0.0, s - warmup_s - keyframe_before(s - warmup_s))
                for s in starts
            ]
            if np.allclose(extra, settled, atol=1e-4):
                break
        if length - max(extra) >= min_chunk_s:
            return starts
    return []


def _run_chunks(
    path: str,
    settings: PoseSettings,
    starts: list[float],
    total: int,
    progress: ProgressFn | None,
    *,
    fps: float,
) -> dict:
    """Analyse one clip as time chunks running at once, one thread per chunk.

    Each chunk has its own decoder and its own MediaPipe graph and starts ``WARMUP_S``
    before its boundary. The boundaries depend only on the clip's duration, so the same
    clip always gives the same track (and the cache stores that track), whatever the load.
    Threads, not processes: MediaPipe's graph and FFmpeg's decoder release the GIL while
    they work, so threads keep both cores busy (two threads ran 1.95x one on the same
    decoded frames). A process version, whose boundaries had to wait for a second
    interpreter to start, was no faster (docs/performance.md) and gave tracks that
    depended on how soon that process was ready. Progress is forwarded to the calling
    thread, so a Streamlit progress bar is updated from the script's own thread.
    """
    bounds = list(zip(starts, [*starts[1:], None]))
    messages: queue.Queue = queue.Queue()
    results: dict[int, dict] = {}
    stop = threading.Event()

    def run(i: int, start_s: float, end_s: float | None) -> None:
        try:
            results[i] = _analyse_range(
                path, settings, start_s, end_s, lambda n: messages.put(("progress", n)), stop=stop,
                decode_threads=False, fps=fps,
            )  # fmt: skip
            messages.put(("done", i))
        except Exception as exc:  # shown to the user; the other chunks are stopped
            text = str(exc) if isinstance(exc, RepLabError) else f"pose extraction failed: {exc}"
            messages.put(("error", text))

    threads = [
        threading.Thread(target=run, args=(i, s, e), name=f"pose-chunk-{i}", daemon=True)
        for i, (s, e) in enumerate(bounds)
    ]
    for thread in threads:
        thread.start()
    done, finished, error = 0, 0, None
    try:
        while finished < len(threads) and error is None:
            kind, value = messages.get()
            if kind == "progress":
                done += value
                if progress:
                    progress(min(done, total), total)
            elif kind == "done":
                finished += 1
            else:
                error = value
    finally:
        if error is not None:
            stop.set()
        for thread in threads:
            thread.join()
    if error is not None:
        raise PoseError(error)
    return {key: np.concatenate([results[i][key] for i in range(len(threads))]) for key in results[0]}


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, not just the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_plan(path: str, duration_s: float, workers: int) -> list[float]:
    """Start times of the time chunks ``extract_pose`` analyses at once (``[0.0]`` = one pass)."""
    n_chunks = min(workers, usable_cores())
    if n_chunks < 2:
        return [0.0]
    with keyframe_lookup(path) as keyframe_before:
        return [0.0, *plan_chunks(0.0, duration_s, n_chunks, keyframe_before=keyframe_before)]


def track_key(content_hash: str, settings: PoseSettings, starts: list[float]) -> str:
    """Cache key of a track: the clip's bytes, the settings and the chunk boundaries.

    The boundaries belong in it because MediaPipe's tracker depends on its own past: a
    track analysed in two chunks differs slightly from a single pass after the boundary,
    and a cache that handed back whichever was stored first would make results depend on
    which run came first (a single-pass track counted 0 reps where a two-chunk one
    counted 2 on a short still clip).
    """
    return settings_key(
        content_hash, {**settings.cache_fields(), "chunk_starts": [round(s, 3) for s in starts]}
    )


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
        workers: time chunks analysed at once, one thread each (at most one per core this
            process may use: MediaPipe's graph keeps a core busy, so more would only add
            warm-up work; short clips run as one chunk).
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
    starts = chunk_plan(path, info.duration_s, workers)
    key = track_key(content_hash, settings, starts)
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
    if len(starts) == 1:
        counter = {"done": 0}

        def report(n: int) -> None:
            counter["done"] += n
            if progress:
                progress(min(counter["done"], total), total)

        arrays = _analyse_range(path, settings, 0.0, None, report, fps=info.fps)
    else:
        arrays = _run_chunks(path, settings, starts, total, progress, fps=info.fps)
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
            "workers": len(starts),  # time chunks analysed at once
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
