"""``python -m analysis count [--json] [--method NAME [--set NAME=VALUE]...] [--exercise NAME] PATH...``

Counts reps in videos, saved tracks (.npz, CSV export) or pose arrays (.npy). Each PATH
is independent: one that fails prints its error and the others still run; the exit
code says whether any failed. ``--set`` tunes the counter named by ``--method``, as the
Compare counters page's sliders do (``--method peaks --set prominence_ratio=0.4``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from analysis.cli.extract import add_pose_options, model_settings, pose_kwargs
from analysis.cli.progress import ProgressBar
from analysis.errors import RepLabError
from analysis.track import is_pose_file
from analysis.wording import count_words, cut_short_words

# Names only: the counting package (scipy) is imported when a count runs, so other
# commands start fast. tests/test_counting_cli.py checks these match the package.
METHOD_NAMES = ("peaks", "adaptive", "hysteresis", "flow", "periodicity")
EXERCISE_NAMES = ("squat", "push_up", "pull_up", "sit_up", "lunge", "jumping_jack", "curl", "overhead_press")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "count", help="count reps in videos, saved tracks or pose arrays",
        description="Count reps. The recommended count uses the 'auto' signal: no exercise name needed.",
    )  # fmt: skip
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="video, track (.npz/.csv) or pose array (.npy)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per PATH on stdout")
    parser.add_argument(
        "--method", default="auto", choices=["auto", *METHOD_NAMES],
        help="algorithm for the reported count (default: auto = the recommended one)",
    )  # fmt: skip
    parser.add_argument(
        "--exercise", default=None,
        help=f"count on an exercise preset's signal ({', '.join(EXERCISE_NAMES)}); default: auto",
    )  # fmt: skip
    parser.add_argument(
        "--fps", type=_frame_rate, default=None, help="frame rate of .npy pose arrays, 1 to 1000 (default 30)"
    )
    parser.add_argument(
        "--set", action="append", default=[], dest="assignments", metavar="NAME=VALUE",
        help="a setting of the --method counter (repeatable), as Compare counters' sliders: "
        "--method peaks --set prominence_ratio=0.4; numbers, true/false, none, or a word",
    )  # fmt: skip
    parser.add_argument("--no-flow", action="store_true", help="skip the optical-flow counter on videos")
    add_pose_options(parser.add_argument_group("pose pass (videos only)"))
    parser.set_defaults(func=run)


# what --fps may be: a time-lapse's 1 frame/s to a slow-motion phone's 960. 0.001 flooded the
# output with NumPy warnings and gave reps at 23,000 s; 1e308 failed with "Maximum allowed
# size exceeded" (review P)
FPS_RANGE = (1.0, 1000.0)


def _frame_rate(text: str) -> float:
    """``--fps``: a number of frames per second within ``FPS_RANGE`` (0 used to mean 30, and
    NaN counted 0 reps)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and FPS_RANGE[0] <= value <= FPS_RANGE[1]):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a frame rate (a number of frames per second from {FPS_RANGE[0]:g} to {FPS_RANGE[1]:g})"
        )
    return value


def _setting_value(text: str):
    """A ``--set`` value as the counter takes it: a whole number, a number, true/false (yes/no,
    on/off), none, or else the word itself (``polarity=min``; one the counter does not take is
    refused by its ``param_choices``)."""
    text = text.strip()
    words = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False, "none": None}
    if text.lower() in words:
        return words[text.lower()]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def counter_settings(method: str, assignments: list[str]) -> dict:
    """The ``--set NAME=VALUE`` settings for ``method``'s counter, checked as the counter
    checks them before a fit (``param_kinds``, ``param_order``, ``param_choices``): a typo or a value it refuses
    is one error before any pose pass, not one per PATH after it."""
    if not assignments:
        return {}
    if method == "auto":
        raise RepLabError(
            "--set tunes one counter: name it with --method (" + ", ".join(METHOD_NAMES) + "); "
            "the recommended count (auto) is not tuned by hand"
        )
    from analysis.counting import COUNTERS

    estimator = COUNTERS[method]
    known = list(estimator().get_params())
    settings = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise RepLabError(f"--set {text!r}: write NAME=VALUE, e.g. --set {known[0]}=...")
        if name not in known:
            raise RepLabError(
                f"the {method} counter has no setting {name!r}; its settings: {', '.join(known)}"
            )
        settings[name] = _setting_value(value)
    try:
        estimator(**settings)._check_params()
    except (TypeError, ValueError) as exc:
        raise RepLabError(f"--set: {exc}") from None
    return settings


def _load(path: str, args):
    from analysis.pose import read_track

    is_video = not is_pose_file(path)
    progress = ProgressBar(f"pose {os.path.basename(path)}") if is_video and not args.json else None
    kwargs = pose_kwargs(args) if is_video else {}
    return read_track(path, fps=args.fps or None, progress=progress, **kwargs), is_video


def count_path(path: str, args) -> dict:
    """The JSON-able result for one PATH (raises on failure)."""
    from analysis.counting import COUNTERS, compare_counters, count_record
    from analysis.counting.presets import exercise_key

    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if os.path.isdir(path):  # its OSError said "[Errno 21] Is a directory"
        raise RepLabError(f"{path}: a folder, not a video or pose file (batch takes a folder of clips)")
    track, is_video = _load(path, args)
    exercise = exercise_key(args.exercise)
    methods = [m for m in COUNTERS if m != "flow" or (is_video and not args.no_flow)]
    chosen = "peaks" if args.method == "auto" else args.method
    settings = counter_settings(args.method, args.assignments)
    if "flow" in methods and not args.json:
        say_flow_pass(path)
    results = compare_counters(
        track, methods=methods, exercise=exercise, video_path=path if is_video else None,
        settings={chosen: settings},
    )  # fmt: skip
    main = results.get(chosen)
    if main is None:
        if is_video:  # only --no-flow takes a counter off a video
            raise ValueError(f"the {chosen} counter is switched off by --no-flow")
        raise ValueError(f"the {chosen} counter needs a video, not a pose file")
    if main.error:
        raise ValueError(main.error)
    out = count_record(path, main, results, method=main.method if args.method != "auto" else "auto")
    if settings:  # only then: the fields of a plain count stay as they are
        out["settings"] = settings
    warnings = [cut_short_words(track.meta)]
    partial = partly_found_words(track)
    if partial:  # frames read as "no person" because a few landmarks are missing (NaN)
        warnings.append(partial)
    elif track.detection_rate == 0:  # a count of 0 that says nothing about the exercise
        warnings.append("no person was found in any frame")
    if track.meta.get("csv_without_frame_size"):
        warnings.append(
            "the CSV has no frame size (an export from before it had frame_width and frame_height): "
            "angles are read in shares of the frame's width and height, so the count and rep times "
            "can differ from the video's; count the video or its .npz track"
        )
    if any(warnings):  # only then: the fields stay as they are
        out["warning"] = "; ".join(w for w in warnings if w)
    return out


def say_flow_pass(path: str) -> None:
    """Say, before it starts, that the optical-flow counter reads the video again: after
    "pose: 100%" a 3-minute clip's flow took 54 s of the 56 the command took, with nothing on
    the screen (review AE); the recommended count does not use it."""
    print(
        f"flow {os.path.basename(path)}: the optical-flow counter reads every frame again "
        "(--no-flow skips it; the recommended count does not need it)",
        file=sys.stderr,
        flush=True,
    )


def partly_found_words(track) -> str:
    """Words for frames that hold some landmarks but not all 33 (a pose file from another tool
    with NaN for joints it did not find): RepLab reads such a frame as no person, and a file
    missing the feet in every frame counted 0 under "no person was found in any frame"
    (review P). Empty when every frame has all its landmarks or none."""
    import numpy as np

    from analysis.landmarks import LANDMARK_NAMES

    found = np.isfinite(track.landmarks).all(axis=2)  # (T, 33)
    partial = found.any(axis=1) & ~found.all(axis=1)
    if not partial.any():
        return ""
    missing_share = (~found[partial]).mean(axis=0)
    names = [LANDMARK_NAMES[i] for i in np.argsort(-missing_share, kind="stable") if missing_share[i] > 0]
    listed = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return (
        f"{int(partial.sum())} of {len(track)} frames lack some landmarks ({listed} missing) and are read as "
        "frames without a person: RepLab needs all 33 MediaPipe landmarks in a frame"
    )


def run(args) -> int:
    from analysis.counting.presets import exercise_key

    try:  # a typo is one error before any pose pass, not one per PATH after it
        exercise_key(args.exercise)
    except ValueError as exc:
        raise RepLabError(str(exc)) from None
    model_settings(args)  # and a bad pose option or --model file, once, not per PATH
    if args.method == "flow" and args.no_flow:  # so is an option that rules out the other
        raise RepLabError("--method flow asks for the optical-flow counter, which --no-flow switches off")
    counter_settings(args.method, args.assignments)  # and a setting the counter refuses
    failed = 0
    for path in args.paths:
        try:
            out = count_path(path, args)
        except Exception as exc:  # one bad file must not stop the others
            failed += 1
            message = str(exc) or type(exc).__name__
            if args.json:
                print(json.dumps({"path": path, "error": message}), flush=True)
            else:  # the path once ("x.npy: error: x.npy: no such file" said it twice: review P)
                for named in (f"{path}: ", f"{os.path.basename(path)}: "):
                    message = message.removeprefix(named)
                print(f"{path}: error: {message}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(out), flush=True)
        else:
            others = ", ".join(f"{k} {v if v is not None else '-'}" for k, v in out["algorithms"].items())
            why = f": {out['none_because']}" if "none_because" in out else ""
            print(
                f"{path}: {count_words(out['count'], 'rep')} ({out['method']}, on {out['signal']}{why}); "
                f"all: {others}",
                flush=True,
            )
            if "warning" in out:
                print(f"{path}: warning: {out['warning']}", file=sys.stderr, flush=True)
    return 1 if failed else 0
