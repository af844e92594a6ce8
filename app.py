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
