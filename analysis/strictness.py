"""How strict the squat verdicts are: the one default and range every entry point shares.

The Squat form page's slider, ``form``, ``render``, ``batch`` and ``history save`` start at
the same strictness and refuse the same values. No heavy imports: the command lines read
it to print ``--help`` without loading scikit-learn or MediaPipe.
"""

from __future__ import annotations

from analysis.errors import RepLabError

DEFAULT_STRICTNESS = 0.5


def p_good_threshold(strictness: float) -> float:
    """P(good) a rep needs: 0.3 at strictness 0, 0.5 at 0.5, 0.7 at 1 (rounded to 6 decimals:
    the history and the exports stored 0.8's as 0.6200000000000001)."""
    return round(0.3 + 0.4 * min(max(float(strictness), 0.0), 1.0), 6)


def add_strictness_option(parser, default: float | None = DEFAULT_STRICTNESS) -> None:
    """``--strictness S`` on a command line (``default=None``: unset unless given)."""
    parser.add_argument(
        "--strictness",
        type=float,
        default=default,
        help=f"squat verdicts: 0 (lenient) .. 1 (strict); default {DEFAULT_STRICTNESS:g}, as the Squat form page",
    )


def check_strictness(strictness: float | None) -> None:
    """Refuse a strictness outside 0..1 (None, not given, passes)."""
    if strictness is not None and not 0.0 <= strictness <= 1.0:
        raise RepLabError(f"--strictness must be between 0 and 1, not {strictness:g}")
