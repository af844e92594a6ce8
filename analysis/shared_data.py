"""Where the shared data set lives: ``REPLAB_SHARED_DATA``, else ``../shared/data``.

The tests, the benchmarks and ``train-form`` all read the same real data (hand-counted
clips, RepCount poses, labelled squats); one place decides where it is, so that setting
the variable moves all of them together.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The shared data folder (it may not exist: a project cloned alone has none)."""
    return Path(os.environ.get("REPLAB_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
