"""The webcam picker's words, with streamlit-webrtc replaced by a stand-in whose state the test sets.

The real widget runs in a browser (tests/test_browser.py records through it); here the page's
own logic is checked: what it says for each state the widget reports.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from streamlit.testing.v1 import AppTest


def _page():
    from pages.webcam import record_clip

    record_clip("main")


def _fake_webrtc(monkeypatch, tmp_path):
    """streamlit_webrtc as the page sees it: ``webrtc_streamer`` reports the state in ``state``."""
    import pages.webcam

    state = SimpleNamespace(playing=False, signalling=False)

    def webrtc_streamer(**kwargs):
        return SimpleNamespace(state=SimpleNamespace(playing=state.playing, signalling=state.signalling))

    fake = SimpleNamespace(WebRtcMode=SimpleNamespace(SENDRECV="SENDRECV"), webrtc_streamer=webrtc_streamer)
    monkeypatch.setitem(sys.modules, "streamlit_webrtc", fake)
    monkeypatch.setattr(pages.webcam, "RECORDING_DIR", tmp_path / "recordings")
    return state


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
