"""A squat-form report a coach can send: one self-contained HTML file, no server, no assets.

Why HTML: it opens in any browser or mail client, prints to PDF from there, and can carry
the pictures inside it (base64 JPEG), so the file alone is the whole report. It shows the
summary, the camera view and what it can be trusted for, then one card per rep: the bottom
frame with the skeleton drawn, the verdict, P(good), the reason in words and the measures
behind it (``verdict_rows``).
"""

from __future__ import annotations

import base64
import html
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import cv2
import numpy as np

from analysis.errors import RepLabError
from analysis.form.verdict import (
    NOT_A_SQUAT,
    UNKNOWN,
    RepVerdict,
    judged_and_not,
    reps_by_view,
    squats_only,
    verdict_rows,
)
from analysis.render import draw_skeleton
from analysis.strictness import DEFAULT_STRICTNESS
from analysis.track import PoseTrack
from analysis.video import frames_at
from analysis.wording import cut_short_words, format_p_good, rep_numbers_words

# ``verdict_rows`` measure column -> (label, format); a card shows the measures its row holds
# (``verdict_rows`` leaves out what the rep's camera view cannot measure: no knee width from the side)
MEASURE_LABELS: dict[str, tuple[str, str]] = {
    "hips_above_knee_cm": ("hips above knee (cm; below: negative)", "{:.0f}"),
    "hips_above_knee_thighs": ("hips above knee (thigh lengths; below: negative)", "{:.2f}"),
    "knee_angle_deg": ("knee angle at the bottom (°)", "{:.0f}"),
    "trunk_lean_deg": ("largest trunk lean (°)", "{:.0f}"),
    "knee_width_ratio": ("knee width / ankle width", "{:.2f}"),
    "heel_rise_legs": ("heel rise (leg lengths)", "{:.3f}"),
    "toe_rise_legs": ("toe rise (leg lengths)", "{:.3f}"),
    "knee_asymmetry_deg": ("left-right knee difference (°)", "{:.0f}"),
    "stance_width": ("ankles apart at the start (leg lengths)", "{:.2f}"),
    "down_s": ("way down (s)", "{:.1f}"),
    "up_s": ("way up (s)", "{:.1f}"),
}


def _number(fmt: str, value: float) -> str:
    """``value`` in ``fmt``, without the "-0" a small negative rounds to."""
    text = fmt.format(value)
    return text.lstrip("-") if float(text) == 0 else text


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
@media (max-width: 480px) { body { margin: 1rem; } }
h1 { margin-bottom: 0.2rem; overflow-wrap: anywhere; } .muted { color: #666; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 0.8rem; width: 300px; max-width: 100%; box-sizing: border-box; break-inside: avoid; }
.card img { max-width: 100%; max-height: 380px; display: block; margin: 0.5rem auto; }
.good { color: #0b62a4; } .fault { color: #c62828; } .unknown { color: #555; }
.warn { background: #fff4e5; border-left: 4px solid #ed6c02; padding: 0.4rem 0.8rem; }
table.measures { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
table.measures td { padding: 2px 4px; border-top: 1px solid #eee; }
table.measures td:last-child { text-align: right; }
"""


def reps_export(clip_name: str, track: PoseTrack, result, exercise: str | None, verdicts=None) -> dict:
    """The Analyse page's "Reps (JSON)": the clip, the count and each rep's start, bottom and
    end, and for squats each rep's verdict as the page shows it (label, p(good) and the bar
    it was judged against, faults, reason, measures). The export had the reps only."""
    out = {
        "clip": clip_name,
        "clip_hash": track.source_hash,
        "exercise": exercise or "auto",
        **result.to_dict(),
    }
    if verdicts:
        out["verdicts"] = [v.to_dict() for v in verdicts]
        # the squats among the counted movements, as the Squat form page, the history and
        # batch's counts.json count them ("count" 13 here, 12 saved, for a lifter's drop to the floor)
        out["squat_count"] = len(squats_only(result.reps, verdicts)[0])
    return out


def _jpeg_data_uri(rgb: np.ndarray, quality: int = 80) -> str:
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise RepLabError("could not encode a frame for the report")
    return "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


def bottom_frames(
    video_path: str | os.PathLike, track: PoseTrack, verdicts: Sequence[RepVerdict], max_side: int
) -> Iterator[tuple[int, np.ndarray]]:
    """``(track frame, picture)`` for the frame each verdict judged as its rep's bottom, skeleton
    drawn, earliest first: read in one pass over the clip (``frames_at``), not a seek and a
    decode per rep, which kept a 78-rep report 26 s in the making (review AE)."""
    bottoms = {float(track.times[i]): i for i in (track.frame_at(v.judged_bottom_s) for v in verdicts)}
    for time_s, rgb in frames_at(video_path, bottoms, max_side=max_side):
        i = bottoms[time_s]
        yield i, draw_skeleton(rgb, track.landmarks[i], track.visibility[i])


def _view_summary(views: dict[str, list[RepVerdict]]) -> str:
    if not views:
        return "Camera view: <b>unknown</b>."
    if len(views) == 1:
        return f"Camera view: <b>{html.escape(next(iter(views)))}</b>."
    named = ", ".join(
        f"<b>{html.escape(view)}</b> ({rep_numbers_words([v.index + 1 for v in reps])})"
        for view, reps in views.items()
    )
    return f"Camera views: {named}."


def _unjudged_words(verdicts: Sequence[RepVerdict]) -> str:
    """Why reps went unjudged, as the Squat form page says it: " (1 not a squat, 2 not seen
    well enough to judge)"; "" when every rep was judged. A lifter's drop to the floor had
    read "(1 not judged)" here and "not counted" on the page (review N)."""
    why = Counter(v.label for v in verdicts if not v.judged)
    words = [f"{why[NOT_A_SQUAT]} not a squat"] if why[NOT_A_SQUAT] else []
    if why[UNKNOWN]:
        words.append(f"{why[UNKNOWN]} not seen well enough to judge")
    return f" ({', '.join(words)})" if words else ""


def form_report_html(
    video_path: str | os.PathLike,
    track: PoseTrack,
    verdicts: Sequence[RepVerdict],
    clip_name: str | None = None,
    strictness: float = DEFAULT_STRICTNESS,
    athlete: str = "",
    max_side: int = 480,
    created: datetime | None = None,
    frames: Mapping[int, np.ndarray | None] | None = None,
) -> str:
    """The report as one HTML string (write it with ``encoding="utf-8"``).

    ``frames``: frames of the clip already read at ``max_side``, by track frame, without the
    skeleton (the Squat form page's, read for its rep cards); those missing are read from the
    clip. Read again, a 78-rep set's frames took 3-4 s of the report's 4.
    """
    name = html.escape(clip_name or os.path.basename(os.fspath(video_path)))
    # with its time zone: a report sent to an athlete elsewhere said "23:13" of no zone (review N)
    stamp = (created or datetime.now()).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    good = sum(1 for v in verdicts if v.good)
    judged = sum(1 for v in verdicts if v.judged)
    views = reps_by_view(verdicts)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>RepLab squat report: {name}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Squat form: {name}</h1>",
        f'<p class="muted">{html.escape(athlete) + " · " if athlete else ""}{stamp} · RepLab · strictness '
        f"{strictness:.2f}</p>",
        f"<p><b>{good} of {judged}</b> judged reps good"
        + _unjudged_words(verdicts)
        + ". "
        + _view_summary(views)
        + "</p>",
    ]
    if cut := cut_short_words(track.meta):
        parts.append(f'<p class="warn"><b>Warning:</b> {html.escape(cut[0].upper() + cut[1:])}.</p>')
    for view, reps in views.items():
        measured, not_measured = judged_and_not(reps)
        if not (measured or not_measured):
            continue
        numbers = [v.index + 1 for v in reps]
        whose = (
            "this view" if len(views) == 1 else f"the {html.escape(view)} view ({rep_numbers_words(numbers)})"
        )
        parts.append(
            f"<p>Judged from {whose}: {html.escape(', '.join(measured) or 'nothing')}."
            + (f" Not judged: {html.escape(', '.join(not_measured))}." if not_measured else "")
            + "</p>"
        )
    if not verdicts:
        parts.append("<p>No squat reps were found in this clip.</p>")
    parts.append('<div class="cards">')
    wanted = {track.frame_at(v.judged_bottom_s) for v in verdicts}
    pictures = {
        i: draw_skeleton(rgb, track.landmarks[i], track.visibility[i])
        for i, rgb in (frames or {}).items()
        if i in wanted and rgb is not None
    }
    missing = [v for v in verdicts if track.frame_at(v.judged_bottom_s) not in pictures]
    if missing:
        pictures.update(bottom_frames(video_path, track, missing, max_side))
    images = {i: _jpeg_data_uri(rgb) for i, rgb in pictures.items()}
    for verdict, row in zip(verdicts, verdict_rows(list(verdicts))):
        kind = "good" if verdict.good else ("unknown" if not np.isfinite(verdict.p_good) else "fault")
        image = images[track.frame_at(verdict.judged_bottom_s)]
        measures = "".join(
            f"<tr><td>{label}</td><td>{_number(fmt, row[column])}</td></tr>"
            for column, (label, fmt) in MEASURE_LABELS.items()
            if row.get(column) is not None  # blank when not measured or not seen from this view
        )
        p_good = format_p_good(verdict.p_good)
        parts.append(
            f'<div class="card" data-rep="{verdict.index + 1}">'
            f'<b>Rep {verdict.index + 1}</b> · <span class="{kind}"><b>{html.escape(verdict.verdict_words)}</b></span>'
            f" · p(good) {p_good}"
            f'<div class="muted">{verdict.start_s:.2f}-{verdict.end_s:.2f} s, deepest at '
            f"{verdict.judged_bottom_s:.2f} s (the frame shown)"
            + (f"; {html.escape(verdict.view)} view" if len(views) > 1 else "")
            + "</div>"
            f'<img alt="rep {verdict.index + 1} at the bottom" src="{image}">'
            f"<p>{html.escape(verdict.reason)}</p>"
            f'<table class="measures">{measures}</table></div>'
        )
    parts.append("</div></body></html>")
    return "\n".join(parts)
