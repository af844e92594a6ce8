"""The webcam picker's words, with streamlit-webrtc replaced by a stand-in whose state the test sets.

The real widget runs in a browser (tests/test_browser.py records through it); here the page's
own logic is checked: what it says for each state the widget reports. The stand-in behaves as
streamlit-webrtc 0.79 was seen to in Chromium: a state the widget on screen reports (START, the
picture coming, STOP) calls ``on_change`` before the run; a page left mid-recording ends the
stream (``on_video_ended``) and, on the way back, the widget is idle without a call.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from types import SimpleNamespace

import av
import pytest
from streamlit.testing.v1 import AppTest

from analysis.video import iter_frames, probe
from tests.conftest import REPO_ROOT


def _page():
    import streamlit as st

    from pages.webcam import record_clip

    if st.session_state.get("test_on_camera_page", True):  # False: the person is on another page
        st.session_state["test_clip"] = record_clip("main")  # the clip the page would analyse


def _fake_webrtc(monkeypatch, tmp_path):
    """streamlit_webrtc as the page sees it: ``webrtc_streamer`` reports the state in ``state``.

    ``state.silent``: the next state change is not the widget's (a page came back), so
    ``on_change`` is not called; ``state.callbacks`` holds the last call's callbacks, for
    frames and the stream's end.
    """
    import pages.clips
    import pages.webcam

    state = SimpleNamespace(
        playing=False, signalling=False, silent=False, callbacks={}, reported=(False, False)
    )

    def webrtc_streamer(**kwargs):
        state.callbacks = kwargs
        now = (state.playing, state.signalling)
        if now != state.reported and not state.silent and kwargs.get("on_change"):
            kwargs["on_change"]()
        state.reported, state.silent = now, False
        return SimpleNamespace(state=SimpleNamespace(playing=state.playing, signalling=state.signalling))

    fake = SimpleNamespace(WebRtcMode=SimpleNamespace(SENDRECV="SENDRECV"), webrtc_streamer=webrtc_streamer)
    monkeypatch.setitem(sys.modules, "streamlit_webrtc", fake)
    monkeypatch.setattr(pages.clips, "UPLOAD_DIR", tmp_path / "uploads")
    monkeypatch.setattr(pages.webcam, "RECORDING_DIR", tmp_path / "uploads" / "recordings")
    _tabs(monkeypatch)
    return state


_CLOSED_TABS: set[str] = set()  # the ``test_tab`` of every AppTest whose tab was closed


def _tabs(monkeypatch) -> None:
    """Every AppTest is a tab of its own, connected until ``_close``. AppTest gives every run
    one session id and no session manager (its stand-in runtime calls every session
    connected): these two stand in for them."""
    import uuid

    import streamlit as st

    import pages.webcam

    _CLOSED_TABS.clear()
    tab = lambda: st.session_state.setdefault("test_tab", uuid.uuid4().hex)  # noqa: E731
    monkeypatch.setattr(pages.webcam, "_session_id", tab)
    monkeypatch.setattr(pages.webcam, "session_is_active", lambda session: session not in _CLOSED_TABS)
    monkeypatch.setattr(pages.webcam, "_OWNERS", {})  # this test's tabs only


def _close(at) -> None:
    """The tab of ``at`` is reloaded or closed: its session is no longer connected."""
    _CLOSED_TABS.add(at.session_state["test_tab"])


def _stream(state, frames: int) -> None:
    """The camera sends ``frames`` frames of the sample squat, 1/30 s apart, through the widget."""
    for index, frame in enumerate(
        iter_frames(REPO_ROOT / "sample_videos" / "squat_side_rohanx01_1.mp4", 8.0)
    ):
        if index == frames:
            break
        image = av.VideoFrame.from_ndarray(frame.rgb, format="rgb24").reformat(format="yuv420p")
        image.pts, image.time_base = 3000 * index, Fraction(1, 90000)
        state.callbacks["video_frame_callback"](image)


def _record(at, state, frames: int) -> None:
    """START, the picture comes, ``frames`` frames are recorded; the stream is still on."""
    state.signalling = True
    at.run()
    state.signalling, state.playing = False, True
    at.run()
    assert any("Recording" in i.value for i in at.info)
    _stream(state, frames)


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_stop_pressed_while_the_camera_was_connecting_says_nothing_was_recorded(monkeypatch, tmp_path):
    """Review AA: START, then STOP within about 1.5 s (before the browser had the stream up: the
    widget was still signalling) left the page as it was, without a word; the warning the page
    has for "STOP before a picture came" was shown only after the widget had been playing."""
    state = _fake_webrtc(monkeypatch, tmp_path)
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    assert not at.warning
    state.signalling = True  # START: the browser is connecting
    at.run()
    assert not at.warning
    state.signalling = False  # STOP before the stream was up: no frame reached the recorder
    at.run()
    assert not at.exception
    assert any("Nothing was recorded" in w.value for w in at.warning), [w.value for w in at.warning]
    at.run()  # said once, not on every later rerun
    assert not any("Nothing was recorded" in w.value for w in at.warning)


def test_a_page_left_idle_says_nothing(monkeypatch, tmp_path):
    _fake_webrtc(monkeypatch, tmp_path)
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    at.run()
    assert not at.exception and not at.warning and not at.error


def test_a_recording_ended_by_leaving_the_page_is_kept_and_says_so(monkeypatch, tmp_path):
    """Review AB: another page opened mid-recording ended the stream; back on the camera, the
    half recording was stored and analysed as if STOP had been pressed, without a word."""
    state = _fake_webrtc(monkeypatch, tmp_path)
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    _record(at, state, frames=45)
    at.session_state["test_on_camera_page"] = False  # another page (or clip source) opened
    at.run()
    state.callbacks["on_video_ended"]()  # the browser closed the stream with the widget
    state.playing, state.silent = False, True  # back: the widget is idle, and said nothing
    at.session_state["test_on_camera_page"] = True
    at.run()
    assert not at.exception and not at.error
    kept = at.session_state["keep_recording_main"]
    info = probe(kept.path)
    assert info.frame_count == 45  # nothing recorded was lost
    note = [w for w in _warnings(at) if "stopped when you went to another page" in w]
    assert note and f"after {info.duration_s:.1f} s (45 frames)" in note[0], _warnings(at)
    at.run()  # said while that recording is the one analysed, not once only
    assert any("stopped when you went to another page" in w for w in _warnings(at))


def test_a_recording_stopped_with_stop_has_no_note_and_can_be_downloaded(monkeypatch, tmp_path):
    """STOP keeps the recording without the page-left note, with a button for the file itself."""
    state = _fake_webrtc(monkeypatch, tmp_path)
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    _record(at, state, frames=20)
    state.playing = False  # STOP: the widget reports it
    state.callbacks["on_video_ended"]()
    at.run()
    assert not at.exception and not at.error and not at.warning, _warnings(at)
    kept = at.session_state["keep_recording_main"]
    assert probe(kept.path).codec == "h264" and probe(kept.path).frame_count == 20
    buttons = at.get("download_button")
    assert [b.label for b in buttons] == [f"Download your recording: {kept.name}"]


@pytest.mark.parametrize("frames", [30, 0])
def test_a_widget_met_on_another_page_is_not_the_recording_stream(monkeypatch, tmp_path, frames):
    """Analyse to Squat form mid-recording: the Squat form page shows the camera widget anew
    (START) while streamlit-webrtc still reported the old page's stream as playing, so the
    page said "Recording. Press STOP"; the new widget's first report then looked like STOP."""
    import pages.webcam

    address = {"page": "http://localhost:8501/"}
    monkeypatch.setattr(pages.webcam, "page_address", lambda: address["page"], raising=False)
    state = _fake_webrtc(monkeypatch, tmp_path)
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    _record(at, state, frames=frames)
    address["page"] = "http://localhost:8501/form"
    state.callbacks["on_video_ended"]()  # the old page's widget went, and its stream with it
    at.run()  # the stale state: still "playing"
    assert not any("Recording" in i.value for i in at.info)
    state.playing = False  # the new widget's first report (idle) calls on_change, like STOP
    at.run()
    assert not at.exception and not at.error
    if frames:
        assert any("stopped when you went to another page" in w for w in _warnings(at)), _warnings(at)
    else:
        assert "keep_recording_main" not in at.session_state


def test_a_stop_soon_after_start_is_kept_to_download_but_not_analysed(monkeypatch, tmp_path):
    """A STOP about 1.5 s after START stored a clip of a few frames, which was analysed and
    said "No repetitions found ... check that the whole movement is in view"."""
    state = _fake_webrtc(monkeypatch, tmp_path)
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    _record(at, state, frames=5)
    state.playing = False  # STOP
    state.callbacks["on_video_ended"]()
    at.run()
    assert not at.exception and not at.error
    kept = at.session_state["keep_recording_main"]
    info = probe(kept.path)
    assert info.frame_count == 5 and info.duration_s < 0.35
    short = [w for w in _warnings(at) if "not analysed" in w]
    assert short and f"only {info.duration_s:.1f} s long (5 frames)" in short[0], _warnings(at)
    assert "0.35 s" in short[0]  # the shortest repetition the counters look for
    assert at.session_state["test_clip"] is None  # nothing to analyse
    assert [b.label for b in at.get("download_button")] == [f"Download your recording: {kept.name}"]
    at.run()  # still said, and still not analysed, while it is the last recording
    assert any("not analysed" in w for w in _warnings(at)) and at.session_state["test_clip"] is None


def _left_by_a_reloaded_tab(monkeypatch, tmp_path, frames: int = 45):
    """A session records ``frames`` frames and its tab is reloaded: the stream ends (the recorder
    finishes the file) and a new session opens the page. Returns the new session's AppTest."""
    state = _fake_webrtc(monkeypatch, tmp_path)
    first = AppTest.from_function(_page, default_timeout=30)
    first.run()
    _record(first, state, frames=frames)
    _close(first)
    state.callbacks["on_video_ended"]()  # the reloaded tab's stream ends with it
    state.playing, state.reported = False, (False, False)  # the new tab's widget is idle
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    return at


def _left_rows(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.endswith(" s") and m.value[:4].isdigit()]


def test_a_recording_left_by_a_reloaded_tab_is_offered_and_can_be_analysed(monkeypatch, tmp_path):
    """A tab reloaded mid-recording left the finished file in the recordings folder, out of reach
    from the page, until it was deleted a day later."""
    import pages.webcam

    at = _left_by_a_reloaded_tab(monkeypatch, tmp_path)
    assert not at.exception and not at.error
    left = list(pages.webcam.RECORDING_DIR.glob("*.mp4"))
    assert len(left) == 1
    info = probe(left[0])
    assert any(m.value == "**Recordings not analysed**" for m in at.markdown)
    assert [row.split(", ")[1] for row in _left_rows(at)] == [f"{info.duration_s:.1f} s"]
    assert "Download" in [b.label for b in at.get("download_button")]
    assert at.session_state["test_clip"] is None  # nothing analysed until asked
    next(b for b in at.button if b.label == "Analyse").click().run()
    assert not at.exception and not at.error
    clip = at.session_state["test_clip"]
    assert clip is not None and clip.kind == "recording" and probe(clip.path).frame_count == 45
    assert not left[0].exists() and not _left_rows(at)  # taken: no longer offered


def test_a_left_recording_can_be_deleted(monkeypatch, tmp_path):
    import pages.webcam

    at = _left_by_a_reloaded_tab(monkeypatch, tmp_path)
    assert len(_left_rows(at)) == 1
    next(b for b in at.button if b.label == "Delete").click().run()
    assert not at.exception and not _left_rows(at)
    assert not list(pages.webcam.RECORDING_DIR.iterdir())


def test_a_recording_another_tab_has_just_finished_is_not_left(monkeypatch, tmp_path):
    """Two tabs: the first pressed STOP, the stream ended and the file was finished; the second
    tab's rerun before the first had stored it listed it as left (one rerun, or as long as the
    first tab was on another page), with Analyse to take it from under the first."""
    import pages.webcam

    state = _fake_webrtc(monkeypatch, tmp_path)
    first = AppTest.from_function(_page, default_timeout=30)
    first.run()
    _record(first, state, frames=30)
    state.playing = False  # STOP
    state.callbacks["on_video_ended"]()  # the file is finished, the first tab not yet rerun
    second = AppTest.from_function(_page, default_timeout=30)
    second.run()
    assert list(pages.webcam.RECORDING_DIR.glob("*.mp4")) and not _left_rows(second)
    first.run()  # the first tab stores it, as STOP's own recording
    assert not first.exception and probe(first.session_state["keep_recording_main"].path).frame_count == 30
    second.run()
    assert not second.exception and not _left_rows(second)


def _side_by_side_with_two_cameras(monkeypatch, tmp_path):
    """The Side by side page, both clips on "Record with webcam", after a tab reloaded mid-recording
    left a recording behind."""
    _left_by_a_reloaded_tab(monkeypatch, tmp_path)
    at = AppTest.from_file(str(REPO_ROOT / "pages" / "4_side_by_side.py"), default_timeout=120)
    at.session_state["replab_navigation"] = True  # as app.py marks a session
    for slot in ("a", "b"):
        at.session_state[f"keep_source_{slot}"] = "Record with webcam"
    at.run()
    return at


def test_side_by_side_lists_a_left_recording_once_for_either_clip(monkeypatch, tmp_path):
    """Side by side listed the left recordings under both cameras: one recording offered twice,
    each copy with its own Analyse, Download and Delete."""
    import pages.webcam

    at = _side_by_side_with_two_cameras(monkeypatch, tmp_path)
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown].count("**Recordings not analysed**") == 1
    assert len(_left_rows(at)) == 1
    labels = [b.label for b in at.button]
    assert (
        labels.count("Analyse as clip A") == labels.count("Analyse as clip B") == labels.count("Delete") == 1
    )
    assert [b.label for b in at.get("download_button")].count("Download") == 1
    left = next(pages.webcam.RECORDING_DIR.glob("*.mp4"))
    next(b for b in at.button if b.label == "Analyse as clip B").click().run()
    assert not at.exception, at.exception
    assert not left.exists() and not _left_rows(at)
    assert probe(at.session_state["keep_recording_b"].path).frame_count == 45
    assert "keep_recording_a" not in at.session_state


def test_a_left_recording_taken_in_another_tab_says_so_in_this_one(monkeypatch, tmp_path):
    """Two tabs list the same recording left behind; the first analyses it. The second's Analyse
    then said the file "cannot be read any more", with PyAV's words for a missing file."""
    from pages.webcam import GONE_WORDS

    at = _left_by_a_reloaded_tab(monkeypatch, tmp_path)
    other = AppTest.from_function(_page, default_timeout=30)
    other.run()
    assert len(_left_rows(at)) == len(_left_rows(other)) == 1
    next(b for b in at.button if b.label == "Analyse").click().run()
    next(b for b in other.button if b.label == "Analyse").click().run()
    assert not other.exception and [e.value for e in other.error] == [GONE_WORDS]
    assert other.session_state["test_clip"] is None and not _left_rows(other)
    assert probe(at.session_state["test_clip"].path).frame_count == 45  # the first tab's, untouched
