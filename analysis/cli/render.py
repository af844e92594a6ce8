"""``python -m analysis render VIDEO -o OUT.mp4``: the annotated video.

The Analyse page's "Make annotated video" from the command line: the clip with the
skeleton, a running rep counter and, for squats, each rep's verdict drawn on, as H.264
that every browser plays. Same pose settings, count and verdicts as the page; a squat
whose verdicts cannot be made (no form model) is drawn without them, as on the page.
"""

from __future__ import annotations

import os
import sys

from analysis.cli.count import EXERCISE_NAMES, METHOD_NAMES
from analysis.errors import RepLabError
from analysis.strictness import add_strictness_option, check_strictness


def register(subparsers) -> None:
    from analysis.cli.extract import add_pose_options

    parser = subparsers.add_parser(
        "render", help="the annotated video: skeleton, rep counter and squat verdicts drawn on (H.264)",
        description="Write the clip with its skeleton, a rep counter and, with --exercise squat, each "
        "rep's verdict drawn on, as the Analyse page's 'Make annotated video'.",
    )  # fmt: skip
    parser.add_argument("video", metavar="VIDEO")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.mp4", help="the annotated clip (.mp4)")
    parser.add_argument(
        "--exercise", help=f"count on an exercise preset's signal ({', '.join(EXERCISE_NAMES)}); squats "
        "also get their verdicts drawn; default: auto",
    )  # fmt: skip
    add_strictness_option(parser)
    parser.add_argument(
        "--method", default="auto", choices=["auto", *METHOD_NAMES],
        help="counting algorithm (default: auto = the recommended one)",
    )  # fmt: skip
    add_pose_options(parser.add_argument_group("pose pass"))
    parser.set_defaults(func=run)


def run(args) -> int:
    from analysis.cli.extract import check_output_path, check_video_path, pose_kwargs
    from analysis.cli.progress import ProgressBar
    from analysis.counting import count_reps
    from analysis.counting.presets import exercise_key
    from analysis.pose import extract_pose
    from analysis.render import render_annotated_video
    from analysis.wording import count_words, cut_short_words

    # what the user typed is checked before the pose pass
    try:
        exercise = exercise_key(args.exercise)
    except ValueError as exc:
        raise RepLabError(str(exc)) from None
    check_strictness(args.strictness)
    if os.path.splitext(args.output)[1].lower() != ".mp4":
        raise RepLabError(f"the annotated video is an .mp4 file, not {os.path.basename(args.output)}")
    check_output_path(args.output, source=args.video)
    check_video_path(args.video, "render")
    name = os.path.basename(args.video)
    track = extract_pose(args.video, progress=ProgressBar("pose"), **pose_kwargs(args))
    if cut := cut_short_words(track.meta):
        print(f"{name}: warning: {cut}", file=sys.stderr)
    try:
        result = count_reps(track, method=args.method, exercise=exercise, video_path=args.video)
    except ValueError as exc:  # the counter could not run on this clip
        raise RepLabError(f"{name}: {exc}") from None
    verdicts = None
    if exercise == "squat" and result.reps:
        from analysis.form import assess_squat_reps

        try:
            verdicts = assess_squat_reps(track, result.reps, strictness=args.strictness)
        except (RepLabError, ValueError) as exc:  # drawn without them, as the page does
            print(f"{name}: warning: no form verdicts: {exc}", file=sys.stderr)
    render_annotated_video(
        args.video, track, args.output, reps=result.reps, verdicts=verdicts, progress=ProgressBar("render")
    )
    judged = (
        f", {sum(v.good for v in verdicts)} of {sum(v.judged for v in verdicts)} judged good"
        if verdicts
        else ""
    )
    print(f"{name}: {count_words(result.count, 'rep')}{judged}; written to {args.output}", file=sys.stderr)
    return 0
