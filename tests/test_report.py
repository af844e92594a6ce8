"""The coach's HTML report, built from the shipped sample squat (real video, real track)."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from analysis.form.verdict import VERDICT_MEASURES
from analysis.form.view import TRUSTED
from analysis.report import MEASURE_LABELS, form_report_html
from analysis.wording import format_p_good
from tests.conftest import SAMPLE_VIDEOS

SAMPLE = SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4"
pytestmark = pytest.mark.slow


class _Report(HTMLParser):
    """Rep cards (``data-rep``), their images and their text."""

    def __init__(self):
        super().__init__()
        self.cards: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "card":
            self.cards.append({"rep": int(attrs["data-rep"]), "images": [], "text": ""})
        elif tag == "img" and self.cards:
            self.cards[-1]["images"].append(attrs["src"])

    def handle_data(self, data):
        if self.cards:
            self.cards[-1]["text"] += data


@pytest.fixture(scope="module")
def sample_verdicts(sample_squat_track):
    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps

    reps = count_reps(sample_squat_track, method="auto", exercise="squat").reps
    return assess_squat_reps(sample_squat_track, reps)


def test_measure_labels_name_verdict_table_columns_and_view_groups():
    from analysis.form.verdict import MEASURE_TRUST

    assert set(MEASURE_LABELS) <= set(VERDICT_MEASURES) == set(MEASURE_TRUST)
    assert set(MEASURE_TRUST.values()) <= set(TRUSTED["side"])


def test_the_verdicts_table_leaves_out_what_the_view_cannot_measure(sample_verdicts):
    """A side view cannot measure knee width: the CSV quoted a ratio of 1.6 the report hid."""
    from analysis.form.verdict import verdict_rows

    for verdict, row in zip(sample_verdicts, verdict_rows(sample_verdicts)):
        assert (
            verdict.view == "side" and row["knee_width_ratio"] is None and row["trunk_lean_deg"] is not None
        )


def test_report_has_one_card_per_rep_with_its_bottom_frame(sample_squat_track, sample_verdicts):
    page = form_report_html(SAMPLE, sample_squat_track, sample_verdicts, clip_name="Ana <squat> & co.mp4",
                            athlete="Ana")  # fmt: skip
    assert page.startswith("<!DOCTYPE html>") and "Ana &lt;squat&gt; &amp; co.mp4" in page
    # laid out for the phone it is opened on, not 980 px shrunk to 6 px text (review Q)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    from datetime import UTC, datetime

    made = form_report_html(
        SAMPLE,
        sample_squat_track,
        sample_verdicts[:1],
        created=datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
    )
    assert "2026-05-01 09:30 UTC" in made  # the time with its zone: the reader may live elsewhere
    report = _Report()
    report.feed(page)
    assert [c["rep"] for c in report.cards] == [v.index + 1 for v in sample_verdicts] == [1, 2]
    for card, verdict in zip(report.cards, sample_verdicts):
        assert verdict.label in card["text"] and verdict.reason in card["text"]
        # a good rep says so: its label alone is a style ("powerlifting squat")
        assert ("good (" in card["text"]) == verdict.good
        assert f"p(good) {format_p_good(verdict.p_good)}" in card["text"]
        (src,) = card["images"]
        assert src.startswith("data:image/jpeg;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert image.format == "JPEG" and max(image.size) == 480  # shrunk to the report's size
        pixels = np.asarray(image.convert("RGB"), dtype=float)
        assert pixels.std() > 20  # a real picture, not a blank
        # a side view: depth and trunk lean are shown, knee width (front view only) is not
        assert "knee angle at the bottom" in card["text"] and "largest trunk lean" in card["text"]
        assert "knee width / ankle width" not in card["text"]


def test_form_cli_writes_the_report(tmp_path, capsys, pose_cache_dir, sample_squat_track):
    from analysis.cli import main

    out = tmp_path / "report.html"
    args = ["form", "--report", str(out), "--workers", "1", "--cache-dir", str(pose_cache_dir), str(SAMPLE)]
    assert main(args) == 0
    report = _Report()
    report.feed(out.read_text(encoding="utf-8"))
    assert len(report.cards) == 2
    assert "rep 1" in capsys.readouterr().out


def test_report_needs_the_video_not_a_track(tmp_path, capsys, sample_squat_track):
    from analysis.cli import main

    track = tmp_path / "squat.npz"
    sample_squat_track.save(track)
    assert main(["form", "--report", str(tmp_path / "r.html"), str(track)]) == 2
    assert "needs the video" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_a_clip_that_changes_view_names_each_reps_view(shared_data, pose_cache_dir):
    """Filmed from the side, then from the front: the report said "Camera view: side" and
    listed what a side view judges, also above the front rep judged for knee width."""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps
    from analysis.pose import extract_pose

    clip = shared_data / "clips" / "squat_sidethenfront_ikramaliokz_1.mp4"
    track = extract_pose(clip, workers=1, cache=TrackCache(pose_cache_dir))
    verdicts = assess_squat_reps(track, count_reps(track, exercise="squat").reps)
    assert {v.view for v in verdicts} == {"side", "front"}  # the premise: the camera moved
    page = form_report_html(clip, track, verdicts, max_side=160)
    header = page[: page.index('<div class="cards">')]
    for view in ("side", "front"):
        numbers = ", ".join(str(v.index + 1) for v in verdicts if v.view == view)
        assert f"<b>{view}</b> (rep{'s' if ',' in numbers else ''} {numbers})" in header
        assert f"Judged from the {view} view" in header
    assert "Camera view:" not in header  # one view named for all reps was the bug
    report = _Report()
    report.feed(page)
    for card, verdict in zip(report.cards, verdicts, strict=True):
        assert f"; {verdict.view} view" in card["text"]
        # a front view measures the stance (it had no line on the cards); a side view cannot
        assert ("ankles apart at the start" in card["text"]) == (verdict.view == "front")


def test_the_reps_export_holds_each_squats_verdict(sample_squat_track):
    """The Analyse page's Reps (JSON) had the reps only, not the verdicts the page showed."""
    import json

    from analysis.counting import count_reps
    from analysis.form import assess_squat_reps
    from analysis.report import reps_export

    result = count_reps(sample_squat_track, exercise="squat")
    verdicts = assess_squat_reps(sample_squat_track, result.reps, strictness=0.8)
    payload = json.loads(json.dumps(reps_export("squat.mp4", sample_squat_track, result, "squat", verdicts)))
    assert payload["count"] == len(payload["reps"]) == len(payload["verdicts"]) == payload["squat_count"] == 2
    for rep, verdict in zip(payload["verdicts"], verdicts):
        assert rep["label"] == verdict.label and rep["good"] == verdict.good
        assert rep["p_good_needed"] == pytest.approx(0.62) and rep["reason"] == verdict.reason
    plain = reps_export("squat.mp4", sample_squat_track, count_reps(sample_squat_track), None)
    assert plain["exercise"] == "auto" and "verdicts" not in plain


def test_a_measure_that_rounds_to_zero_is_no_negative_zero():
    """The report printed "hips above knee (cm) -0" (review H)."""
    from analysis.report import _number

    assert _number("{:.0f}", -0.3) == "0" and _number("{:.2f}", -0.001) == "0.00"
    assert _number("{:.0f}", -7.2) == "-7" and _number("{:.1f}", 2.25) == "2.2"


def test_the_summary_says_why_reps_went_unjudged(sample_squat_track, sample_verdicts):
    """A lifter's drop to the floor read "(1 not judged)" in the report and "not counted" on
    the page (review N): the report names each reason, as the page does."""
    from dataclasses import replace

    from analysis.form.verdict import NOT_A_SQUAT, UNKNOWN

    first, second = sample_verdicts
    hidden = replace(second, label=UNKNOWN, good=False, p_good=float("nan"))
    page = form_report_html(SAMPLE, sample_squat_track, [first, hidden])
    assert f"{int(first.good)} of 1</b> judged reps good (1 not seen well enough to judge)." in page
    floor = replace(second, label=NOT_A_SQUAT, good=False, p_good=float("nan"))
    page = form_report_html(SAMPLE, sample_squat_track, [first, floor, hidden])
    assert "judged reps good (1 not a squat, 1 not seen well enough to judge)." in page
    assert "not judged)" not in form_report_html(SAMPLE, sample_squat_track, sample_verdicts)


def test_a_long_sets_report_reads_its_frames_in_one_pass(
    sample_squat_track, sample_verdicts, decode_seeks, monkeypatch
):
    """A 78-rep report took 26 s with nothing shown: each rep's frame was a seek to the
    keyframe before it and a decode up to it (review AF). A rep a second over the clip now
    costs a seek per keyframe at most, and the report is byte for byte the one made by
    reading each frame on its own."""
    from dataclasses import replace
    from datetime import UTC, datetime

    import av

    import analysis.report
    import analysis.video
    from analysis.video import read_frame

    with av.open(str(SAMPLE)) as container:
        stream = container.streams.video[0]
        keyframes = sum(1 for packet in container.demux(stream) if packet.is_keyframe)
    reps = [
        replace(v, index=k, features={**v.features, "bottom_time_s": 0.7 + k})  # the frame judged
        for k, v in enumerate(sample_verdicts[k % 2] for k in range(19))
    ]
    assert [v.judged_bottom_s for v in reps] == [0.7 + k for k in range(19)]
    made = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    page = form_report_html(SAMPLE, sample_squat_track, reps, max_side=160, created=made)
    assert 1 <= len(decode_seeks) <= keyframes < len(reps)
    report = _Report()
    report.feed(page)
    assert len({card["images"][0] for card in report.cards}) == len(reps)  # a frame a rep

    def one_at_a_time(path, times, max_side=None):
        return ((time_s, read_frame(path, time_s, max_side=max_side)) for time_s in sorted(set(times)))

    monkeypatch.setattr(analysis.report, "frames_at", one_at_a_time)
    assert form_report_html(SAMPLE, sample_squat_track, reps, max_side=160, created=made) == page
