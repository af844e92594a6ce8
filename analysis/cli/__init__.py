"""Command line: ``python -m analysis COMMAND ...``.

Each command lives in its own module with ``register(subparsers)``, which adds its
parser and sets ``func`` to a function taking the parsed arguments and returning the
exit code. Errors a user caused (``RepLabError``) print one line and exit with 2; output
piped into a reader that stops early (``| head``) ends quietly with 141, as a shell does.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from analysis.cli.native_logs import filter_native_logs
from analysis.errors import RepLabError

COMMAND_MODULES = ("extract", "count", "form", "render", "history", "train_form", "batch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="RepLab: pose tracks, rep counts and squat form verdicts from workout videos.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"analysis.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"analysis.cli.{name}":
                raise
            continue  # command not built yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logs off the terminal
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    filter_native_logs()
    try:
        return int(args.func(args) or 0)
    except RepLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``... | head``): stop quietly, as other command-line tools
        # do, and keep Python from complaining again when it flushes stdout on exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
