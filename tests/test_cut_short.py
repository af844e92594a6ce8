"""A file cut short (an interrupted upload or copy) is flagged wherever a count or a verdict
of it comes out, not only on the Analyse page: a batch run had reported "ok, 2 reps" for
4 s of a 13 s clip of 7 squats, and `count`, `form` and the report said nothing."""

from __future__ import annotations

import json

import pytest

from analysis.batch import BatchAnalyser, read_summary
from analysis.cache import TrackCache
from analysis.cli import main
from analysis.pose import DEFAULT_CHUNKS, extract_pose
from analysis.report import form_report_html
from tests.clipmaker import cut_short

pytestmark = pytest.mark.slow  # one pose pass over the cut clip (cached for the session)


@pytest.fixture(scope="module")
def cut_clip(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cut")
    return cut_short(shared_data / "clips" / "squat_side_wissem_1.mp4", folder / "wissem_cut.mp4", 0.6)


@pytest.fixture(autouse=True)
def _cache(pose_cache_dir, monkeypatch):
    monkeypatch.setenv("REPLAB_CACHE_DIR", str(pose_cache_dir))


def test_count_and_form_say_the_file_stops_early(cut_clip, shared_data, capsys):
    assert main(["count", "--json", str(cut_clip)]) == 0
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert "cut short" in line["warning"] and line["count"] >= 1
    assert main(["form", "--json", str(cut_clip)]) == 0
    captured = capsys.readouterr()
    assert "cut short" in json.loads(captured.out)["warning"]
    assert "warning:" in captured.err
    whole = shared_data / "clips" / "squat_side_wissem_1.mp4"
    assert main(["count", "--json", str(whole)]) == 0
    assert "warning" not in json.loads(capsys.readouterr().out)


def test_batch_summary_and_report_say_the_file_stops_early(cut_clip, pose_cache_dir, tmp_path):
    out = tmp_path / "out"
    BatchAnalyser(workers=1, exercise="squat", cache=TrackCache(pose_cache_dir)).run([cut_clip], out)
    (row,) = read_summary(out / "summary.csv")
    assert row["status"] == "ok" and "cut short" in row["warning"]
    track = extract_pose(cut_clip, workers=DEFAULT_CHUNKS, cache=TrackCache(pose_cache_dir))  # as batch
    assert "cut short" in form_report_html(cut_clip, track, [])
