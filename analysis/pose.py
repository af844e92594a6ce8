"""Pose extraction: a clip in, a ``PoseTrack`` out.

Default backend: MediaPipe's legacy Pose solution with the BlazePose *full* model that
ships inside the ``mediapipe==0.10.21`` wheel, so it works offline. A user-supplied
``.task`` bundle runs through the MediaPipe Tasks API instead.

With ``workers > 1`` the clip is cut into time chunks analysed at once, each by its own
decoder and MediaPipe graph (one graph keeps one core busy), joined where their landmarks
agree so the track follows a single pass (``analysis.pose_chunks``).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.cache import TrackCache, file_hash, settings_key
from analysis.errors import PoseError, VideoError
from analysis.mediapipe_import import import_mediapipe
from analysis.pose_chunks import (  # noqa: F401  (plan_chunks, usable_cores re-exported)
    HANDOFF_RULE,
    ProgressFn,
    analyse_clip,
    chunk_plan,
    plan_chunks,
    usable_cores,
)
from analysis.track import PoseTrack, check_times, is_pose_file, load_track  # noqa: F401  (re-exported)
from analysis.video import ends_early, opencv_on_one_thread, probe

DEFAULT_MAX_SIDE = 640
# Time chunks a clip is analysed in by the dashboard, the CLI and batch runs, whatever the
# machine's cores. MediaPipe's tracker depends on its own past, so the chunk plan moves the
# landmarks a little (docs/performance.md, "Hand-over"), and a verdict near its threshold can
# flip with them: every entry point, on every machine, uses the same plan, so a clip gets the
# same track, counts and verdicts wherever it is analysed (a squat's verdict changed on a
# one-core machine, which ran one pass instead).
DEFAULT_CHUNKS = 2
_SOLUTION_STEP_US = 33333  # mp.solutions' SolutionBase.process timestamp step


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
        # 7: 4:2:0 frames shrunk and converted by OpenCV (``video.to_rgb``); 6: frames turned
        # by the whole display matrix (mirrors too), the clip's own stream; 5: chunks joined
        # where they agree; 3: the graph fed directly
        # 8: non-square pixels stretched to the size shown
        fields["version"] = 9  # 9: times from the clip's start on every container (``video.time_origin``)
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
        self._name = os.path.basename(settings.model_path)
        self._last_ms = -1
        self._failed = False

    def process(self, rgb: np.ndarray, time_s: float):
        import mediapipe as mp

        stamp = max(int(round(time_s * 1000)), self._last_ms + 1)  # must strictly increase
        self._last_ms = stamp
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        try:
            result = self._landmarker.detect_for_video(image, stamp)
        except RuntimeError as exc:  # a bundle of other networks loads, then fails on a frame
            self._failed = True
            raise PoseError(
                f"{self._name} is not a pose model MediaPipe can run: it loads, but fails on a frame "
                f"({str(exc).splitlines()[0][:200]})."
            ) from None
        if not result.pose_landmarks:
            return None
        points = np.array([[p.x, p.y, p.z, p.visibility or 0.0] for p in result.pose_landmarks[0]])
        world = np.array([[p.x, p.y, p.z] for p in result.pose_world_landmarks[0]])
        return points[:, :3], points[:, 3], world

    def close(self) -> None:
        try:
            self._landmarker.close()
        except RuntimeError:
            if not self._failed:  # after a failed frame the graph fails to close too: said once
                raise


def check_task_file(model_path: str | None) -> None:
    """Fail early, in plain words, on a model file the Tasks API could not use."""
    if not model_path or not os.path.isfile(model_path):
        raise PoseError(f"pose model file not found: {model_path}")
    if not zipfile.is_zipfile(model_path):
        raise PoseError(
            f"{os.path.basename(model_path)} is not a MediaPipe .task bundle "
            "(expected a pose_landmarker .task file)."
        )


# a frame of the shipped sample (a lifter standing, side view; MIT, sample_videos/SOURCES.md)
PERSON_PICTURE = Path(__file__).resolve().parent / "assets" / "person.jpg"


def check_pose_model(model_path: str) -> None:
    """Refuse a ``.task`` file that is not a pose model MediaPipe can run, in plain words.

    Loading is not enough: a bundle holding other networks under the right names loads,
    then fails on every clip. So the model sees a blank frame, where the person detector
    runs alone, and a picture of a standing lifter, where the landmark network runs too
    and must find him (with only the blank frame, a wrong landmark network passed, review J).
    """
    name = os.path.basename(model_path)
    import cv2  # here: a pass over cached landmarks never needs OpenCV

    person = cv2.cvtColor(cv2.imread(str(PERSON_PICTURE)), cv2.COLOR_BGR2RGB)
    backend = TasksPoseBackend(PoseSettings(model_path=model_path))
    try:
        backend.process(np.zeros((256, 256, 3), dtype=np.uint8), 0.0)
        if backend.process(person, 0.1) is None:
            raise PoseError(
                f"{name} is not a pose model MediaPipe can use: it finds nobody in a picture of a "
                "person standing in full view."
            )
    finally:
        backend.close()


def make_backend(settings: PoseSettings):
    return TasksPoseBackend(settings) if settings.model_path else LegacyPoseBackend(settings)


def track_key(content_hash: str, settings: PoseSettings, starts: list[float]) -> str:
    """Cache key of a track: the clip's bytes, the settings and the chunk boundaries.

    The boundaries belong in it because MediaPipe's tracker depends on its own past: a
    track analysed in two chunks differs slightly from a single pass after the boundary,
    and a cache that handed back whichever was stored first would make results depend on
    which run came first (a single-pass track counted 0 reps where a two-chunk one
    counted 2 on a short still clip).
    """
    fields = {**settings.cache_fields(), "chunk_starts": [round(s, 3) for s in starts]}
    if len(starts) > 1:  # where chunks hand over decides the track after each boundary
        fields["handoff"] = HANDOFF_RULE
    return settings_key(content_hash, fields)


def extract_pose(
    path: str | os.PathLike,
    progress: ProgressFn | None = None,
    workers: int = DEFAULT_CHUNKS,
    settings: PoseSettings | None = None,
    cache: TrackCache | None | bool = True,
    require_person: bool = True,
) -> PoseTrack:
    """Extract the pose track of a clip (cached by content hash and settings).

    Args:
        path: the video file.
        progress: called as ``progress(done, total)`` with frame counts while working.
        workers: time chunks analysed at once, one thread each (short clips run as one
            chunk). The default is the dashboard's and the CLI's (``DEFAULT_CHUNKS``), so a
            script gets their track and verdicts. Not capped by the cores: the plan, and so
            the track, depends on the file and ``workers`` only; on fewer cores the threads
            share them.
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
    if settings.model_path:  # before the cache key, which hashes the file
        check_task_file(settings.model_path)
    starts = chunk_plan(path, info.duration_s, workers, start_s=info.start_s)
    key = track_key(content_hash, settings, starts)
    if store is not None:
        cached = store.get(key)
        if cached is not None and _repeats_a_time(cached.times):
            cached = None  # made before the reader dropped repeated times: analysed again
        if cached is not None:
            cached.source_name = os.path.basename(path)  # the same bytes may have another name now
            if progress:
                progress(len(cached), len(cached))
            _check_person(cached, require_person)
            return cached

    total = max(1, info.frame_count)
    with opencv_on_one_thread():
        arrays, handoffs = analyse_clip(
            path, lambda: make_backend(settings), starts, total, progress,
            fps=info.fps, stride=settings.stride, max_side=settings.max_side,
        )  # fmt: skip
    if len(arrays["times"]) == 0:
        raise VideoError(f"{os.path.basename(path)}: the video has no frames that can be decoded.")
    try:  # every reading of the track is in seconds: a file whose frames carry none is refused
        check_times(arrays["times"])
    except ValueError:
        raise VideoError(f"{os.path.basename(path)}: {_unusable_times_words(arrays['times'])}") from None
    last_s, announced_s = float(arrays["times"][-1]), info.announced_end_s
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
            "chunk_starts_s": [round(x, 3) for x in starts],
            # where each chunk handed over to the next (None: it ran to the end of the clip)
            "handoffs_s": [round(x, 3) if np.isfinite(x) else None for x in handoffs],
            "rotation": info.rotation,
            "mirrored": info.mirrored,
            # the file's last frame and where its header says it ends (None: its header gives
            # no length, but the file stops inside a box or packet): an upload or copy cut
            # short is read up to the cut, and whoever shows the track says so
            "ends_early_s": [round(last_s, 2), round(announced_s, 2)]
            if ends_early(last_s, announced_s)
            else [round(last_s, 2), None]
            if info.cut_inside
            else None,
            **{k: v for k, v in settings.__dict__.items() if k != "model_path"},
        },
    )
    if progress:
        progress(len(track), len(track))  # the real frame count, not the estimate
    if store is not None and not store.put(key, track):  # still used; whoever shows it can say so
        track.meta["not_cached"] = str(store.directory)
    _check_person(track, require_person)
    return track


def read_track(
    path: str | os.PathLike, fps: float | None = None, progress: ProgressFn | None = None, **extract_kwargs
) -> PoseTrack:
    """A ``PoseTrack`` from any file RepLab reads, by its suffix: a saved pose file (.npz
    track, .csv export, .npy pose array; ``fps`` for a .npy, 30 when not given) through
    ``load_track``, anything else as a video through ``extract_pose`` (``progress`` and
    ``extract_kwargs`` go there). The one door from a path to the pipeline's data type:
    ``load_track`` refused videos and ``extract_pose`` pose files, and only the CLI knew
    which to call (review T).
    """
    if is_pose_file(path):
        if fps is None and os.fspath(path).lower().endswith(".npy"):
            fps = 30.0  # RepCount's frame rate, as ``count --fps`` assumes
        return load_track(path, fps=fps)
    return extract_pose(path, progress=progress, **extract_kwargs)


def _unusable_times_words(times: np.ndarray) -> str:
    """Why a clip's frame times cannot time a rep, in words.

    Camcorder files copied together (``cat 00000.MTS 00001.MTS``) play straight through, but
    each recording's clock starts again: such a file was called damaged, to be exported
    again "from the phone or the editor" (review S).
    """
    finite = np.isfinite(times)
    back = np.flatnonzero(np.diff(times) < 0) if finite.all() else np.array([], int)
    if back.size:
        before, after = times[back[0]], times[back[0] + 1]
        return (
            f"its frame times jump back from {before:.1f} s to {after:.1f} s, as in recordings joined "
            "into one file (camcorder files copied together): no rep can be timed across the jump. "
            f"Analyse each recording in a file of its own (cut this one at {before:.1f} s)."
        )
    return (
        "its frames carry no usable times (they do not increase from frame to frame), so no rep "
        "can be timed: the file is damaged. Export it again from the phone or the editor."
    )


def _repeats_a_time(times: np.ndarray) -> bool:
    """Whether two frames of a cached track share a time: a track made before the reader
    kept one frame per time (``video.one_frame_per_time``). Only such clips' tracks changed,
    so only they are analysed again; a new cache version would have re-run the model on
    every clip ever analysed."""
    return bool(np.any(np.diff(times) <= 1e-6))


def _check_person(track: PoseTrack, require_person: bool) -> None:
    if require_person and not track.detected.any():
        raise PoseError(
            f"{track.source_name}: no person was found in any frame. Film the whole body, "
            "well lit, with the person filling a good part of the picture."
        )
