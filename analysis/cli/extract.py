"""``python -m analysis extract VIDEO -o OUT.npz|OUT.csv``: the pose track of a clip."""

from __future__ import annotations

import os
import sys

from analysis.cache import TrackCache
from analysis.cli.progress import ProgressBar
from analysis.errors import RepLabError
from analysis.pose import (
    DEFAULT_CHUNKS,
    DEFAULT_MAX_SIDE,
    PoseSettings,
    check_pose_model,
    check_task_file,
    extract_pose,
)
from analysis.track import is_pose_file
from analysis.wording import cut_short_words


def add_pose_options(parser) -> None:
    """Options shared by every command that runs the pose model on one clip at a time."""
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_CHUNKS,
        help=f"time chunks analysed at once, one thread each (default: {DEFAULT_CHUNKS}, as the "
        "dashboard and batch runs, on any machine, so a clip gives the same track everywhere)",
    )
    add_model_options(parser)


def add_model_options(parser) -> None:
    """The pose model's options (``batch`` too, whose ``--workers`` counts processes)."""
    parser.add_argument("--no-cache", action="store_true", help="always run the pose model")
    parser.add_argument(
        "--cache-dir",
        help="cache folder (default: $REPLAB_CACHE_DIR, else $XDG_CACHE_HOME/replab or ~/.cache/replab)",
    )
    parser.add_argument("--model", help="a MediaPipe pose_landmarker .task file (Tasks API backend)")
    parser.add_argument(
        "--max-side", type=int, default=DEFAULT_MAX_SIDE, help="shrink frames to this longer side first"
    )
    parser.add_argument(
        "--stride",
        type=int,
        default=1,
        help="analyse every n-th frame (counting-only runs; see docs/performance.md)",
    )


def model_settings(args) -> tuple[PoseSettings, TrackCache | bool]:
    """(settings, cache) from ``add_model_options``' options, checked before any pose pass."""
    if args.stride < 1 or args.max_side < 64 or getattr(args, "workers", 1) < 1:
        raise RepLabError("--stride and --workers must be at least 1, --max-side at least 64")
    if args.model:  # one error up front, not one per clip: a file that is no pose model MediaPipe runs
        check_task_file(args.model)
        check_pose_model(args.model)
    settings = PoseSettings(model_path=args.model, max_side=args.max_side, stride=args.stride)
    return settings, False if args.no_cache else TrackCache(args.cache_dir)


def pose_kwargs(args) -> dict:
    """``extract_pose`` keyword arguments from the shared pose options."""
    settings, cache = model_settings(args)
    return {"workers": args.workers, "settings": settings, "cache": cache}


def check_video_path(path: str, command: str) -> None:
    """Refuse, before any pose pass, a ``command`` input that is not a video file: a missing
    file, a folder, or a saved pose file, which has no pictures to draw on or to save (a
    track given to ``render`` was called "not a video file RepLab can read": review P)."""
    if os.path.isdir(path):
        raise RepLabError(f"{path}: a folder, not a video")
    if not os.path.isfile(path):
        raise RepLabError(f"{path} not found")
    if is_pose_file(path):
        raise RepLabError(f"{os.path.basename(path)}: {command} needs the video, not a saved pose file")


def check_output_path(path: str, source: str | None = None) -> None:
    """Refuse, before any pose pass, an output whose folder does not exist (or is no folder),
    that is a folder itself, or that is the input file (which it would overwrite)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RepLabError(f"cannot write {path}: the folder {folder} does not exist")
    if os.path.isdir(path):  # found only after the whole pass before, as a traceback
        raise RepLabError(f"cannot write {path}: it is a folder")
    if (
        source is not None
        and os.path.exists(source)
        and os.path.exists(path)
        and os.path.samefile(source, path)
    ):
        raise RepLabError(f"{path} is the input clip: write the output to another file")


def register(subparsers) -> None:
    parser = subparsers.add_parser("extract", help="extract the pose track of a video")
    parser.add_argument("video")
    parser.add_argument(
        "-o", "--output", required=True, help="OUT.npz (track) or OUT.csv (one row per frame)"
    )
    add_pose_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    suffix = os.path.splitext(args.output)[1].lower()
    if suffix not in (".npz", ".csv"):
        raise RepLabError(f"output must end in .npz or .csv, not {suffix or 'nothing'}")
    check_output_path(args.output, source=args.video)
    track = extract_pose(args.video, progress=ProgressBar("pose"), **pose_kwargs(args))
    if suffix == ".npz":
        track.save(args.output)
    else:
        track.to_csv(args.output)
    print(
        f"{track.source_name}: {len(track)} frames, person found in {track.detection_rate:.0%}, "
        f"written to {args.output}",
        file=sys.stderr,
    )
    if cut := cut_short_words(track.meta):
        print(f"warning: {cut}", file=sys.stderr)
    return 0
