"""Shared fixtures: where the real data lives, and a session-wide pose cache.

The shared data sits beside the repository (``../shared/data``). A user who cloned the
project alone has no such folder: tests that need it are skipped with that reason.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from analysis.shared_data import REPO_ROOT, shared_data_dir

SHARED_DATA = shared_data_dir()
SAMPLE_VIDEOS = REPO_ROOT / "sample_videos"

os.environ.setdefault("GLOG_minloglevel", "2")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (clone the project beside ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def clips_table(shared_data) -> list[dict]:
    """Rows of ``clips/clips.tsv`` (file, exercise, view, reps, rep_bottom_times_s, ...)."""
    with open(shared_data / "clips" / "clips.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="session")
def pose_cache_dir(tmp_path_factory) -> Path:
    """One pose cache for the whole test session, so each clip's pose pass runs once.

    Set ``REPLAB_TEST_CACHE`` to reuse a cache between runs while developing.
    """
    preset = os.environ.get("REPLAB_TEST_CACHE")
    if preset:
        Path(preset).mkdir(parents=True, exist_ok=True)
        return Path(preset)
    return tmp_path_factory.mktemp("pose-cache")


@pytest.fixture(scope="session")
def sample_squat_track(pose_cache_dir):
    """Real MediaPipe track of the shipped side-view barbell squat sample (2 reps)."""
    from analysis.cache import TrackCache
    from analysis.pose import extract_pose

    return extract_pose(
        SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", workers=1, cache=TrackCache(pose_cache_dir)
    )


@pytest.fixture
def decode_seeks(monkeypatch) -> list:
    """Where each decode of a clip starts (``video._decode_from``: a seek, then decoding on):
    tests of reading many frames in one pass count them."""
    import analysis.video

    starts = []
    decode_from = analysis.video._decode_from

    def counted(path, start_s, *args, **kwargs):
        starts.append(start_s)
        return decode_from(path, start_s, *args, **kwargs)

    monkeypatch.setattr(analysis.video, "_decode_from", counted)
    return starts


@pytest.fixture
def shapes_one_by_one(monkeypatch) -> list:
    """Every shape or annotation added to a Plotly figure one at a time (``add_shape``,
    ``add_vrect``, ``add_annotation``): each such call checks all the shapes already there, so
    a long set's bands cost the square of their number (4 s a chart for 78 reps, on every rerun)."""
    import plotly.basedatatypes

    calls = []
    adder = plotly.basedatatypes.BaseFigure._add_annotation_like

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return adder(self, *args, **kwargs)

    monkeypatch.setattr(plotly.basedatatypes.BaseFigure, "_add_annotation_like", counted)
    return calls
