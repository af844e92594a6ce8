"""RepLab dashboard: ``streamlit run app.py``.

Pages are explicit (``st.navigation``), so ``pages/common.py`` can hold shared helpers
without turning into a page. Every page is a thin layer over the ``analysis`` library.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts this folder on sys.path; AppTest and other launchers may not.
ROOT = str(Path(__file__).resolve().parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging


def _fix_media_serving() -> None:
    """Work around Streamlit 1.60 + Starlette >= 1.5 failing every image and video (HTTP 500).

    Streamlit's gzip responders override the start-of-response step and expect Starlette's
    older body step to send the held headers; since Starlette 1.5 the base class sends them
    itself for excluded types (it also excludes audio/* and video/* now), so Streamlit's
    override drops them and every ``st.image``/``st.video`` fails. With such a Starlette,
    hand the whole message flow back to the base class. No-op on older Starlette.
    """
    try:
        from starlette.middleware.gzip import IdentityResponder
        from streamlit.web.server.starlette import starlette_gzip_middleware as gzip_mw
    except ImportError:
        return
    if not hasattr(IdentityResponder(None, 0), "exclude_content_types"):
        return  # Starlette < 1.5: Streamlit's override matches it
    for cls in (gzip_mw._MediaAwareGZipResponder, gzip_mw._MediaAwareIdentityResponder):
        if "send_with_compression" in cls.__dict__:
            del cls.send_with_compression


_fix_media_serving()

st.set_page_config(page_title="RepLab", page_icon="🏋️", layout="wide")

PAGES = [
    st.Page(
        "pages/1_analyse.py", title="Analyse", icon=":material/videocam:", url_path="analyse", default=True
    ),
    st.Page(
        "pages/2_compare_counters.py",
        title="Compare counters",
        icon=":material/stacked_line_chart:",
        url_path="compare",
    ),
    st.Page(
        "pages/3_squat_form.py", title="Squat form", icon=":material/accessibility_new:", url_path="form"
    ),
    st.Page(
        "pages/4_side_by_side.py", title="Side by side", icon=":material/compare:", url_path="side-by-side"
    ),
    st.Page("pages/5_history.py", title="History", icon=":material/history:", url_path="history"),
]

st.navigation(PAGES).run()
