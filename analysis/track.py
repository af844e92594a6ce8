"""``PoseTrack``: the one data type that flows through RepLab.

A clip becomes a track once (the expensive step); counting, form checks, charts,
exports and batch runs all read the same track. Arrays are per frame, NaN where no
person was found, and every frame carries its real presentation time.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from analysis.errors import RepLabError
from analysis.files import replaced
from analysis.landmarks import LANDMARK_NAMES

N_LANDMARKS = len(LANDMARK_NAMES)
CSV_SUFFIXES = ("_x", "_y", "_z", "_visibility")
POSE_FILE_SUFFIXES = (".npz", ".csv", ".npy")  # what ``load_track`` reads


def is_pose_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a saved pose file (by its suffix), not a video: the one rule
    ``load_track``, ``pose.read_track`` and every command go by."""
    return os.path.splitext(os.fspath(path))[1].lower() in POSE_FILE_SUFFIXES


def as_seconds(times) -> np.ndarray:
    """``times`` as float64 seconds. A NumPy/pandas timedelta is converted; clock times
    (datetime64) are refused: read as floats they were nanoseconds since 1970, and every
    setting in seconds (smoothing, spacing) and every rep time came out wrong without a word."""
    raw = np.asarray(times)
    if raw.dtype.kind == "m":
        return raw / np.timedelta64(1, "s")
    if raw.dtype.kind == "M":
        raise ValueError(
            "times are clock times (datetime64): give seconds from the start, "
            "e.g. (times - times[0]) / np.timedelta64(1, 's')"
        )
    return np.asarray(raw, dtype=np.float64)


def check_times(times: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``times`` are finite seconds that increase (a repeated time
    is allowed, all of them the same is not).

    Every counter and chart reads seconds off these: a NaN, a step back or a clip whose
    frames all share one time gave reps at NaN s or at t=0 instead of an error. Tracks and
    the counters' plain arrays (``counting.base.check_series``) share this one rule.
    """
    if not np.isfinite(times).all():
        raise ValueError("times must be finite numbers (seconds)")
    if len(times) > 1 and (np.any(np.diff(times) < 0) or times[-1] <= times[0]):
        raise ValueError("times must increase (seconds, not decreasing, not all the same)")


@dataclass(repr=False, eq=False)
class PoseTrack:
    """MediaPipe pose landmarks of one clip, frame by frame.

    Attributes:
        times: (T,) seconds from the clip's start, from the container's timestamps.
        landmarks: (T, 33, 3) image landmarks: x, y normalised to frame width and
            height (y down), z in roughly the same scale as x (depth, negative = nearer).
        visibility: (T, 33) MediaPipe's visibility score in 0..1.
        world: (T, 33, 3) world landmarks in metres, origin between the hips.
        width, height: upright frame size in pixels (0 when unknown, e.g. RepCount files).
        fps: nominal frame rate; use ``times`` for anything exact.
        source_hash: content hash of the source (video bytes or pose file).
        source_name: file name of the source, for display.
        meta: settings the track was made with (backend, model, smoothing, ...).
    """

    times: np.ndarray
    landmarks: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    width: int = 0
    height: int = 0
    fps: float = 30.0
    source_hash: str = ""
    source_name: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.times = as_seconds(self.times)
        self.landmarks = np.asarray(self.landmarks, dtype=np.float32)
        self.visibility = np.asarray(self.visibility, dtype=np.float32)
        self.world = np.asarray(self.world, dtype=np.float32)
        n = len(self.times)
        expected = {
            "landmarks": (n, N_LANDMARKS, 3),
            "visibility": (n, N_LANDMARKS),
            "world": (n, N_LANDMARKS, 3),
        }
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")
        check_times(self.times)

    def __repr__(self) -> str:
        # the dataclass's own repr printed every array: 16,000 characters for a 13 s clip
        size = f"{self.width}x{self.height}" if self.width and self.height else "frame size unknown"
        return (
            f"PoseTrack({len(self)} frames, {self.duration_s:.2f} s, {size}, {self.fps:.4g} fps, "
            f"person in {self.detection_rate:.0%}, world={'yes' if self.has_world else 'no'}, "
            f"source_name={self.source_name!r})"
        )

    def __eq__(self, other) -> bool:
        # the dataclass's own == raised "truth value of an array ... is ambiguous" on two copies
        if not isinstance(other, PoseTrack):
            return NotImplemented
        same_arrays = all(
            np.array_equal(getattr(self, k), getattr(other, k), equal_nan=True)
            for k in ("times", "landmarks", "visibility", "world")
        )
        return same_arrays and all(
            getattr(self, k) == getattr(other, k)
            for k in ("width", "height", "fps", "source_hash", "source_name", "meta")
        )

    __hash__ = None  # mutable arrays: not a dict key

    # ---- what is in it -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.times)

    @property
    def n_frames(self) -> int:
        return len(self.times)

    @property
    def duration_s(self) -> float:
        if len(self.times) < 2:
            return 0.0
        return float(self.times[-1] - self.times[0] + np.median(np.diff(self.times)))

    @property
    def detected(self) -> np.ndarray:
        """(T,) True where a person was found in the frame."""
        return np.isfinite(self.landmarks).all(axis=(1, 2))

    @property
    def detection_rate(self) -> float:
        return float(self.detected.mean()) if len(self) else 0.0

    @property
    def has_world(self) -> bool:
        return bool(np.isfinite(self.world).any())

    def image_points(self) -> np.ndarray:
        """(T, 33, 2) image x, y in frame heights: x times width / height, so that distances
        and angles are those of the picture (in shares of width and height, a 16:9 clip's
        45-degree knee reads 60). As stored when the frame size is unknown (RepCount's
        files, already scaled per frame)."""
        points = np.asarray(self.landmarks[..., :2], dtype=np.float64)
        if self.width and self.height:
            points = points * np.array([self.width / self.height, 1.0])
        return points

    def content_digest(self) -> str:
        """A digest of the times, landmarks, visibility, world landmarks and frame size (a
        few ms for 10 minutes).

        Two tracks of the same clip from different models or settings differ here, where
        ``source_hash`` (the clip's bytes) is the same; results derived from a track are
        remembered under it.
        """
        digest = hashlib.blake2b(digest_size=16)
        for array in (self.times, self.landmarks, self.visibility, self.world):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(f"{self.width}x{self.height}".encode())  # angles and moves depend on it
        return digest.hexdigest()

    def frame_at(self, time_s: float) -> int:
        """Index of the frame shown at ``time_s``."""
        return int(np.clip(np.searchsorted(self.times, time_s + 1e-9) - 1, 0, len(self) - 1))

    def slice_time(self, start_s: float, end_s: float) -> PoseTrack:
        """Frames with ``start_s <= time < end_s`` (a copy with the same metadata)."""
        keep = (self.times >= start_s) & (self.times < end_s)
        return self._subset(keep)

    def _subset(self, keep: np.ndarray) -> PoseTrack:
        return PoseTrack(
            times=self.times[keep], landmarks=self.landmarks[keep],
            visibility=self.visibility[keep], world=self.world[keep],
            width=self.width, height=self.height, fps=self.fps,
            source_hash=self.source_hash, source_name=self.source_name, meta=dict(self.meta),
        )  # fmt: skip

    # ---- files ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the track as a compressed .npz (arrays plus a JSON header)."""
        header = {
            "width": self.width, "height": self.height, "fps": self.fps,
            "source_hash": self.source_hash, "source_name": self.source_name, "meta": self.meta,
            "format": "replab-track-1",
        }  # fmt: skip
        with replaced(path, ".npz") as tmp:  # never leave a half-written track behind
            np.savez_compressed(
                tmp, times=self.times, landmarks=self.landmarks, visibility=self.visibility,
                world=self.world, header=np.array(json.dumps(header)),
            )  # fmt: skip

    @classmethod
    def load(cls, path: str | os.PathLike) -> PoseTrack:
        """Read a track written by ``save``."""
        with np.load(path, allow_pickle=False) as data:
            if "header" not in data or "landmarks" not in data:
                raise ValueError(f"{os.path.basename(os.fspath(path))} is not a RepLab track file")
            header = json.loads(str(data["header"]))
            return cls(
                times=data["times"], landmarks=data["landmarks"], visibility=data["visibility"],
                world=data["world"], width=header["width"], height=header["height"],
                fps=header["fps"], source_hash=header["source_hash"],
                source_name=header.get("source_name", ""), meta=header.get("meta", {}),
            )  # fmt: skip

    @staticmethod
    def csv_columns() -> list[str]:
        return ["time_s"] + [f"{name}{s}" for name in LANDMARK_NAMES for s in CSV_SUFFIXES]

    def to_csv_table(self) -> np.ndarray:
        """(T, 1 + 33*4) float array in the order of ``csv_columns`` (NaN = no person)."""
        per_landmark = np.concatenate([self.landmarks, self.visibility[..., None]], axis=2)
        return np.column_stack([self.times, per_landmark.reshape(len(self), -1)])

    def to_csv(self, path_or_buffer) -> None:
        """One row per frame; empty cells where no person was found.

        A file is written whole or not at all (``analysis.files``), as ``save`` does: a run
        killed half way must not leave a shorter track that reads back without complaint.
        """
        import pandas as pd

        frame = pd.DataFrame(self.to_csv_table(), columns=self.csv_columns())
        # times to the microsecond: six significant digits kept only 10 ms past 1,000 s, and
        # a long 120 frames/s track read back with repeated times
        frame[frame.columns[0]] = frame[frame.columns[0]].map(lambda t: f"{t:.6f}")
        # the picture's size, on every row: x and y are shares of it, and angles and moves
        # need it (``image_points``); without it a track read back counted otherwise
        frame["frame_width"], frame["frame_height"] = int(self.width), int(self.height)
        is_path = isinstance(path_or_buffer, str | os.PathLike)
        with replaced(path_or_buffer, ".csv") if is_path else nullcontext(path_or_buffer) as target:
            frame.to_csv(target, index=False, float_format="%.6g", na_rep="")

    @classmethod
    def from_csv(cls, path: str | os.PathLike, fps: float | None = None) -> PoseTrack:
        """Read the CSV export back (world landmarks are not in the CSV: they come back NaN)."""
        import pandas as pd

        frame = pd.read_csv(path)
        missing = [c for c in cls.csv_columns() if c not in frame.columns]
        if missing:
            raise ValueError(f"{os.path.basename(os.fspath(path))}: missing columns {missing[:3]}...")
        table = frame[cls.csv_columns()].to_numpy(dtype=np.float64)
        per_landmark = table[:, 1:].reshape(len(table), N_LANDMARKS, 4)
        times = table[:, 0]
        if fps is None:
            step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
            fps = 1.0 / step if step > 0 else 30.0  # times that do not move are refused below
        size, meta = {}, {}
        if {"frame_width", "frame_height"} <= set(frame.columns) and len(frame):
            size = {"width": int(frame["frame_width"].iloc[0]), "height": int(frame["frame_height"].iloc[0])}
        else:  # an older export: whoever counts it says the geometry is off (cli/count.py)
            meta["csv_without_frame_size"] = True
        return cls(
            times=times, landmarks=per_landmark[..., :3], visibility=per_landmark[..., 3],
            world=np.full((len(table), N_LANDMARKS, 3), np.nan), fps=fps,
            source_name=os.path.basename(os.fspath(path)), meta=meta, **size,
        )  # fmt: skip

    @classmethod
    def from_array(cls, array: np.ndarray, fps: float = 30.0, source_name: str = "") -> PoseTrack:
        """A track from a bare pose array, as in RepCount's ``poses/*.npy``.

        Accepts (T, 99 or 104) (landmark i at columns 3i..3i+2; extra columns ignored)
        or (T, 33, 3 or 4) (a 4th channel is visibility). Rows whose coordinates are all zero
        mean no person.
        Times are ``index / fps``.
        """
        array = np.asarray(array)
        if array.dtype.kind not in "fiu":  # bool gave 8 "reps"; complex lost its imaginary part
            raise ValueError(f"pose array of {array.dtype} values: expected real numbers (coordinates)")
        array = array.astype(np.float64)
        if array.ndim == 2 and array.shape[1] in (99, 104):
            points = array[:, :99].reshape(-1, N_LANDMARKS, 3)
            visibility = np.ones(points.shape[:2])
        elif array.ndim == 3 and array.shape[1] == N_LANDMARKS and array.shape[2] in (3, 4):
            points = array[..., :3]
            visibility = array[..., 3] if array.shape[2] == 4 else np.ones(points.shape[:2])
        else:
            raise ValueError(
                f"pose array of shape {array.shape}: expected (frames, 99 or 104) or (frames, 33, 3 or 4)"
            )
        if not (np.isfinite(fps) and fps > 0):
            raise ValueError(f"frame rate {fps}: must be a positive number of frames per second")
        if len(array) == 0:
            raise ValueError("the pose array holds no frames")
        # no person: every coordinate 0. Decided on x, y, z alone: a visibility or an angle
        # column set on an empty row had made it a person standing at the origin (review P)
        empty = ~np.any(points.reshape(len(points), -1) != 0, axis=1)
        points = points.copy()
        visibility = visibility.copy()
        points[empty] = np.nan
        visibility[empty] = np.nan
        points[~np.isfinite(points)] = np.nan  # an infinite coordinate is no measurement
        return cls(
            times=np.arange(len(points)) / fps, landmarks=points, visibility=visibility,
            world=np.full(points.shape, np.nan), fps=fps, source_name=source_name,
        )  # fmt: skip


class TrackFileError(RepLabError, ValueError):
    """A pose file that cannot be read as one (the message names the file and why)."""


def load_track(path: str | os.PathLike, fps: float | None = None) -> PoseTrack:
    """Load any saved pose file by its suffix: .npz track, .csv export or .npy pose array."""
    path = os.fspath(path)
    name = os.path.basename(path)
    suffix = os.path.splitext(path)[1].lower()
    if not is_pose_file(path):
        raise TrackFileError(
            f"{name}: not a pose file (.npz, .csv or .npy); analysis.pose.read_track reads videos too"
        )
    if os.path.isdir(path):
        raise TrackFileError(f"{name}: a folder, not a pose file")
    if not os.path.isfile(path):
        raise TrackFileError(f"{name}: no such file")
    kind = {".npz": "a RepLab track (.npz)", ".csv": "a RepLab track CSV export", ".npy": "a pose array"}
    magic = {".npy": (b"\x93NUMPY", "a NumPy .npy file"), ".npz": (b"PK", "a NumPy .npz archive")}
    if suffix in magic:
        with open(path, "rb") as handle:
            start = handle.read(len(magic[suffix][0]))
        if start != magic[suffix][0]:  # numpy's own words blamed "pickled data" on a text file
            raise TrackFileError(
                f"{name}: cannot be read as {kind[suffix]} (not {magic[suffix][1]}: it does not start like one)"
            )
    try:
        if suffix == ".npz":
            track = PoseTrack.load(path)
        elif suffix == ".csv":
            track = PoseTrack.from_csv(path, fps=fps)
        else:
            array = np.load(path, allow_pickle=False)
            if array.ndim and len(array) == 0:
                raise TrackFileError(f"{name}: holds no frames")
            track = PoseTrack.from_array(array, fps=fps or 30.0, source_name=name)
    except TrackFileError:
        raise
    except (ValueError, TypeError, KeyError, OSError, EOFError, zipfile.BadZipFile) as exc:
        # the reader's own words follow the file's name and what it was read as
        raise TrackFileError(f"{name}: cannot be read as {kind[suffix]} ({exc})") from None
    if len(track) == 0:
        raise TrackFileError(f"{name}: holds no frames")
    return track
