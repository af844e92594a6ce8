"""A dependency-free progress bar on stderr, for long CLI work."""

from __future__ import annotations

import sys
import time

from analysis.cli.native_logs import stderr_is_terminal


class ProgressBar:
    """Call with ``(done, total)``; redraws at most ten times a second, on stderr only.

    On a terminal it redraws one line in place; otherwise (a log file, CI) it prints a
    line every 10% so logs stay short.
    """

    def __init__(self, label: str, stream=None, width: int = 30):
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._last_draw = 0.0
        self._last_decile = -1
        self._tty = stderr_is_terminal(self.stream)
        self._started = time.monotonic()
        self._finished = False

    def __call__(self, done: int, total: int) -> None:
        total = max(total, 1)
        fraction = min(done / total, 1.0)
        now = time.monotonic()
        if self._finished:  # the bar was drawn full once: later reports draw nothing more
            return
        self._finished = fraction >= 1.0
        if self._tty:
            if fraction < 1.0 and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            filled = int(fraction * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            rate = done / max(now - self._started, 1e-6)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} frames {rate:5.0f}/s")
            if fraction >= 1.0:
                self.stream.write("\n")
        else:
            decile = int(fraction * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(f"{self.label}: {decile * 10}% ({done}/{total} frames)\n")
        self.stream.flush()
