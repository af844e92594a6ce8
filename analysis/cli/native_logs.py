"""Keep MediaPipe's native start-up logging off the terminal of CLI users.

MediaPipe's C++ graph writes absl/TFLite lines ("INFO: Created TensorFlow Lite XNNPACK
delegate", "W0000 ... inference_feedback_manager ...") straight to file descriptor 2 when a
model starts; ``GLOG_minloglevel`` does not reach them. In the CLI they bury the one-line
error and the progress bar, so descriptor 2 is routed through a pipe that drops those
lines and forwards everything else unchanged.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading

NATIVE_LOG_LINE = re.compile(
    rb"^([IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]|INFO: Created TensorFlow Lite|"
    rb"WARNING: All log messages before absl::InitializeLog|"
    # the second line of a graph's failure: the error that follows says it in plain words
    rb"Calculator::Process\(\) for node )"
)


_STDERR_WAS_TERMINAL: bool | None = None  # set when fd 2 is swapped for the filter's pipe


def stderr_is_terminal(stream=None) -> bool:
    """Whether ``stream`` (default: stderr) shows on a terminal, as it did before the filter.

    Once fd 2 is the filter's pipe, ``sys.stderr.isatty()`` is False even on a terminal, and
    every progress bar fell back to its log-file mode (one line per step, no bar).
    """
    stream = stream or sys.stderr
    if stream is sys.stderr and _STDERR_WAS_TERMINAL is not None:
        return _STDERR_WAS_TERMINAL
    return hasattr(stream, "isatty") and stream.isatty()


def filter_native_logs() -> None:
    """Route fd 2 through a filter thread for the rest of this process (idempotent)."""
    global _STDERR_WAS_TERMINAL
    if getattr(filter_native_logs, "_installed", False):
        return
    was_terminal = stderr_is_terminal()
    try:
        real_stderr = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:
        return  # no descriptors to play with: leave stderr alone
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)
    filter_native_logs._installed = True
    _STDERR_WAS_TERMINAL = was_terminal

    def pump() -> None:
        pending = b""
        with os.fdopen(read_end, "rb", buffering=0) as source:
            while chunk := source.read(4096):
                pending += chunk
                *lines, pending = re.split(rb"(?<=[\n\r])", pending)
                kept = b"".join(line for line in lines if not NATIVE_LOG_LINE.match(line))
                if kept:
                    os.write(real_stderr, kept)
        if pending and not NATIVE_LOG_LINE.match(pending):
            os.write(real_stderr, pending)

    thread = threading.Thread(target=pump, name="native-log-filter", daemon=True)
    thread.start()

    def drain() -> None:
        # Put the real stderr back (closing the pipe's last writer) and let the filter
        # forward what is still in the pipe, so the last lines are never lost.
        sys.stderr.flush()
        os.dup2(real_stderr, 2)
        thread.join(timeout=5)

    atexit.register(drain)
