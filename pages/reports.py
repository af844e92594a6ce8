"""The Squat form page's report to send an athlete: one click, made as it is downloaded.

Why a module of its own, and why one click: the report shows every rep's bottom frame, and
reading them from the clip was most of its making (3-4 s of a 78-rep report, 8 s with the
cores busy). Made at the download's click from the clip, it left the user looking at a small
circle in the button, so it had been two clicks: "Make report", under a spinner with words,
then "Download" (review AG). The page now keeps every frame it reads: the rep cards' first,
then, once the page is drawn, the other reps' (with words saying so); the report takes those
frames, and making it is drawing, encoding and writing (0.06 s for 78 reps; 0.3 s from the
click to the file in a browser: docs/performance.md). So the download button makes it on its
click (Streamlit's deferred download: nothing is made, kept or sent on a strictness step),
and the circle in the button is all the wait there is. Clicked before the other frames are
read, it reads those left.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analysis.report import form_report_html


def report_download(
    box, clip, track, verdicts, strictness: float, stem: str, frames: Mapping[float, np.ndarray]
) -> None:
    """A "Report (HTML)" download button (in ``box``, a column) whose report is made on its
    click from ``frames``, the clip's frames the page has read (``frames.read_frames``, by
    time, at the report's size), as they are at the click; a frame not read yet is read then."""

    def make() -> str:
        read = dict(frames)  # a copy: the page may still be adding to it
        by_frame = {track.frame_at(time_s): rgb for time_s, rgb in read.items()}
        return form_report_html(clip.path, track, verdicts, clip.name, strictness, frames=by_frame)

    box.download_button(
        "Report (HTML)", make, file_name=f"{stem}_form_report.html", mime="text/html", on_click="ignore",
        help="One file to send an athlete: the summary and every rep's bottom frame, verdict, reason and "
        "measures, at this strictness. Made when clicked.",
    )  # fmt: skip
