"""The Squat form page's report to send an athlete: made on a click, with words while it is
made, then offered for download for as long as the verdicts shown stay the same.

Why a module of its own: a 78-rep report reads 78 frames from the clip and takes 3-4 s (8 s
with the cores busy). Handed to a download button to build at the click, it was made again
on every click, and the page said nothing meanwhile but a small circle in the button
(review AG). Built on every run instead, every strictness step would wait for it.
"""

from __future__ import annotations

import streamlit as st

from analysis.report import form_report_html
from analysis.wording import count_words

_KEPT = "form_report"  # (what it was made from, the HTML): one report a session, about 2.4 MB for 78 reps


def _made_from(clip, track, verdicts, strictness: float) -> tuple:
    """What the report shows: the clip, its track, the strictness and every verdict (as its
    ``repr``: a NaN p(good) of a rep not judged equals no other NaN); a report made from other
    ones is made again."""
    return (clip.path, clip.name, track.content_digest(), float(strictness), tuple(repr(v) for v in verdicts))


def report_download(box, clip, track, verdicts, strictness: float, stem: str) -> None:
    """A "Make report" button, then the report's download button (in ``box``, a column)."""
    made_from = _made_from(clip, track, verdicts, strictness)
    kept = st.session_state.get(_KEPT)
    slot = box.empty()
    if not (kept and kept[0] == made_from):
        if not slot.button("Make report (HTML)", help="One file to send an athlete: the summary and every rep's "
                           "bottom frame, verdict and reason. Reads each rep's frame from the clip."):  # fmt: skip
            return
        slot.empty()  # the button goes; the spinner stands in its place until the download comes
        with box.spinner(f"Making the report: reading {count_words(len(verdicts), 'frame')} ..."):
            kept = st.session_state[_KEPT] = (
                made_from,
                form_report_html(clip.path, track, verdicts, clip.name, strictness),
            )
    slot.download_button(
        "Download report (HTML)", kept[1], file_name=f"{stem}_form_report.html", mime="text/html", on_click="ignore",
        help="The report made for these verdicts. Move the strictness and it is made again on a click.",
    )  # fmt: skip
