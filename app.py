"""RepLab dashboard: ``python app.py`` (what ``make app`` runs), or ``streamlit run app.py``.

Pages are explicit (``st.navigation``), so ``pages/`` can hold shared helper modules
(``common``, ``clips``, ``widgets``...) without their turning into pages. Every page is a
thin layer over the ``analysis`` library.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st


def launch(options: list[str]) -> int:
    """Start the Streamlit server on this file, as ``streamlit run app.py OPTIONS`` does.

    Why not plain ``streamlit run``: until a script has called ``st.navigation``,
    Streamlit 1.60 treats a ``pages/`` folder beside the main script as old-style pages.
    So the first visit after the server starts, when it opens a page's own address (say
    ``/compare``), is looked up among the files in ``pages/``, not found, and shown with a
    "Page not found" notice over the right page. This app's pages are all declared with
    ``st.navigation``, so the old-style lookup is switched off before the server starts
    (a class attribute of streamlit 1.60, which requirements.txt pins).
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", __file__, *options]
    return cli.main()


if __name__ == "__main__" and not st.runtime.exists():  # `python app.py`, not a script run
    sys.exit(launch(sys.argv[1:]))

# `streamlit run` puts this folder on sys.path; AppTest and other launchers may not.
ROOT = str(Path(__file__).resolve().parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging

st.set_page_config(page_title="RepLab", page_icon="🏋️", layout="wide")

PAGES = [
    # the default page lives at "/" (Streamlit serves no other address for it: "/analyse"
    # answered "Page not found")
    st.Page("pages/1_analyse.py", title="Analyse", icon=":material/videocam:", default=True),
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

# a focus ring a keyboard user can see (Streamlit's is its red at half strength, 1.1-1.9:1 against
# the unfocused control, none on the sidebar's links) and captions at 4.5:1 (Streamlit's grey: 3.7:1).
# On a phone a table's toolbar (search, download, full screen) is always shown, 2.65rem above the
# table, over the control placed there: it took the taps meant for Compare counters' True count
# "-" and the History's Athlete box. Tables get that room above them on touch screens.
# A phone stacks columns one a row: the Analyse page's six summary numbers filled its first screen
# and pushed the clip below it. In a container keyed "summary_..." each number is as wide as it
# needs, in a smaller type, and a row wraps only what does not fit (three a row at 390 px).
st.html(
    "<style>:focus-visible, label:has(input[type=radio]:focus-visible), label:has(input[type=checkbox]:focus-visible)"
    " { outline: 3px solid #0b62a4 !important; outline-offset: 2px; }"
    '[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #55575f; }'
    '@media (hover: none) { [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) { margin-top: 2.65rem; } }'
    "@media (max-width: 640px) {"
    ' [class*="st-key-summary_"] [data-testid="stColumn"] { min-width: max-content; }'
    ' [class*="st-key-summary_"] [data-testid="stMetricValue"] { font-size: 1.5rem; } }'
    "</style>"
)

# the pages send a run that did not come through here back to it (``pages.common.through_the_app``)
st.session_state["replab_navigation"] = True
st.navigation(PAGES).run()
