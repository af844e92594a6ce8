"""Widgets whose state survives a visit to another page ("kept" widgets and table ticks).

Why a module of its own: Streamlit drops a widget's state on a run of a page that does not
draw it, so every page's settings fell back to their defaults after a look elsewhere. The
kept value lives under ``keep_<key>`` in session state and the widget itself under
``_<key>``: those names are what a session carries from page to page (a renamed key loses
what the user set). The rows ticked in a rep table are kept the same way, and a row or
chart point just picked is told from one still highlighted since an earlier run.
"""

from __future__ import annotations

import streamlit as st

from pages import frame_steps


def _remember(key: str, widget_key: str | None = None) -> None:
    """Copy a widget's value to a plain session key, so it survives switching pages."""
    st.session_state[f"keep_{key}"] = st.session_state[widget_key or f"_{key}"]


def kept_widget(
    make, label: str, key: str, default=None, value_arg: str = "value", default_follows: str = "", **kwargs,
):  # fmt: skip
    """Any widget (``st.text_input``, ``box.multiselect``...) whose value survives visits to
    other pages, as ``kept_selectbox``: the widget uses ``_<key>``, the value is kept under
    ``keep_<key>`` and handed back as its ``value_arg`` (``"default"`` for a multiselect).
    A coach lost the athlete's name, the typed true count and the counter settings on every
    visit to another page.

    ``default_follows``: what the default depends on (a clip's hash). Until the user makes a
    choice, a new value there shows the new default: Streamlit keeps a keyed widget's value
    when only its default changes, so the chart of a curl opened on the squat's joints.
    """
    kept = st.session_state.get(f"keep_{key}")
    widget_key = _widget_key(key, kept is not None, default_follows)
    value = default if kept is None else kept
    return make(
        label, **{value_arg: value}, key=widget_key, on_change=_remember, args=(key, widget_key), **kwargs
    )


def kept_selectbox(box, label: str, options: list, key: str, default=None, **kwargs):
    """A selectbox whose choice survives visits to other pages.

    Streamlit drops a widget's state on a run of a page that does not draw it, so a plain
    keyed widget came back on its default after the user followed a link elsewhere (the
    Analyse page's Exercise fell back to automatic, changing the count shown, unannounced).
    The value is kept under ``keep_<key>``; the widget itself uses ``_<key>``. A kept
    choice that is no longer offered (an entry deleted meanwhile) falls back to ``default``.
    """
    return _kept_choice(box.selectbox, label, options, key, default, **kwargs)


def kept_radio(box, label: str, options: list, key: str, default=None, **kwargs):
    """A radio whose choice survives visits to other pages (see ``kept_selectbox``)."""
    return _kept_choice(box.radio, label, options, key, default, **kwargs)


def _widget_key(key: str, chosen: bool, default_follows: str) -> str:
    """A kept widget's own key: ``_<key>``, or, until the user has ``chosen``, one that also
    names what its default follows (a new value there is a new widget, on the new default)."""
    return f"_{key}" if chosen or not default_follows else f"_{key}_{default_follows}"


def _kept_choice(make, label: str, options: list, key: str, default, default_follows: str = "", **kwargs):
    """``default_follows`` as in ``kept_widget``: until the user chooses, a new value there
    shows the new default."""
    kept = st.session_state.get(f"keep_{key}")
    choice = kept if kept in options else default
    index = options.index(choice) if choice in options else 0
    widget_key = _widget_key(key, kept in options, default_follows)
    return make(
        label, options, index=index, key=widget_key, on_change=_remember, args=(key, widget_key), **kwargs
    )


def kept_slider(box, label: str, low: float, high: float, default: float, step: float, key: str, **kwargs):
    """A slider whose value survives visits to other pages (see ``kept_selectbox``); a kept
    value outside today's range (Side by side's rep number, with clips of fewer reps) is
    brought inside it, which Streamlit would refuse."""
    kept = st.session_state.get(f"keep_{key}", default)
    st.session_state[f"keep_{key}"] = min(max(kept, low), high)
    return kept_widget(box.slider, label, key, default, min_value=low, max_value=high, step=step, **kwargs)


def _selection_signature(state, kind: str) -> tuple:
    """What a dataframe ("rows") or Plotly chart ("points") widget has selected, as a tuple."""
    selection = (state or {}).get("selection", {}) or {}
    if kind == "rows":
        return tuple(selection.get("rows", []) or [])
    return tuple(round(float(p["x"]), 4) for p in selection.get("points", []) or [] if "x" in p)


def picked_time(reps, table_key: str, chart_keys: tuple[str, ...]) -> float | None:
    """The time the user has just picked: a row of the rep table (its bottom) or a chart point.

    Streamlit keeps a selection in session state for as long as it is shown, so only a
    selection that differs from the last one seen counts: moving the frame slider by hand
    afterwards is not undone by the row or point still highlighted. A chart point unselected
    (clicked again) is picked again. Call it before the
    frame slider is drawn; the widgets themselves are drawn later on the page.
    """
    seen = st.session_state.setdefault("_seen_picks", {})
    picked = None
    for key, kind in ((table_key, "rows"), *((k, "points") for k in chart_keys)):
        signature = (
            table_rows(key) if kind == "rows" else _selection_signature(st.session_state.get(key), kind)
        )
        if signature and signature != seen.get(key):
            if kind == "rows" and 0 <= signature[0] < len(reps):
                picked = reps[signature[0]].bottom_s
            elif kind == "points":
                picked = signature[0]
        elif kind == "points" and not signature and seen.get(key):
            # the point picked clicked again: Plotly takes that as unselecting it. A chart
            # drawn anew at every frame step had lost its selection; one kept as it is (a frame
            # step redraws no chart, review AO) still holds it, and the click went nowhere
            picked = seen[key][0]
        seen[key] = signature
    return picked


def selected_rep(reps, table_key: str) -> int | None:
    """Index of the rep whose row is ticked in the rep table (None when none is)."""
    rows = table_rows(table_key)
    return rows[0] if rows and 0 <= rows[0] < len(reps) else None


def table_rows(table_key: str) -> tuple:
    """The rows ticked in a table drawn with ``on_select=remember_rows``: its own state, or
    what was kept when another page dropped it (the ticked rep stopped looping after a look
    at another page)."""
    if table_key in st.session_state:
        return _selection_signature(st.session_state[table_key], "rows")
    return tuple(st.session_state.get(f"keep_{table_key}", ()))


def remember_rows(table_key: str) -> None:
    """``on_select`` callback: keep the ticked rows beyond this page's visit (``table_rows``)."""
    st.session_state[f"keep_{table_key}"] = list(
        _selection_signature(st.session_state.get(table_key), "rows")
    )


def kept_rows_default(table_key: str) -> dict | None:
    """``selection_default`` for a table: the kept ticks, shown again after a page switch."""
    rows = st.session_state.get(f"keep_{table_key}")
    return {"selection": {"rows": list(rows), "columns": []}} if rows else None


def go_to_frame(frame_key: str, generation_key: str, frame: int) -> None:
    """Show ``frame`` on the Analyse page: kept under ``frame_key``, and a new generation of the
    Frame slider (``generation_key``) so the slider is drawn again at it, as after a pick."""
    st.session_state[frame_key] = int(frame)
    st.session_state[generation_key] = st.session_state.get(generation_key, 0) + 1


def _step_frame(frame_key: str, generation_key: str, move: str, turns: list[int], frame_count: int) -> None:
    """A frame button's ``on_click``: the move from the frame kept at the click (not the one drawn)."""
    frame = int(st.session_state.get(frame_key, 0))
    go_to_frame(frame_key, generation_key, frame_steps.moved(frame, move, turns, frame_count))


_MOVE_HELP = {
    frame_steps.PREVIOUS_REP: "The turning point (a squat's bottom) of the rep before this frame.",
    frame_steps.PREVIOUS_FRAME: "One frame back.",
    frame_steps.NEXT_FRAME: "One frame on.",
    frame_steps.NEXT_REP: "The turning point (a squat's bottom) of the next rep after this frame.",
}


def frame_buttons(
    frame_key: str, generation_key: str, frame: int, turns: list[int], frame_count: int
) -> None:
    """Buttons that step the frame shown one frame or one rep at a time, a row of two for the
    frames and one for the reps (four in a row wrapped three and one on a phone): on a long
    clip the slider moves 24 frames a pixel (review AG). A button that would go nowhere is greyed."""
    for pair in (frame_steps.MOVES[:2], frame_steps.MOVES[2:]):
        with st.container(horizontal=True, gap="small"):
            for move in pair:
                st.button(
                    move, key=f"frame_step_{frame_steps.MOVES.index(move)}", help=_MOVE_HELP[move],
                    on_click=_step_frame, args=(frame_key, generation_key, move, turns, frame_count),
                    disabled=not frame_steps.can_move(frame, move, turns, frame_count),
                )  # fmt: skip


def _typed_time(time_key: str, frame_key: str, generation_key: str, frame_at) -> None:
    """The time box's ``on_change``: show the frame shown at the time typed."""
    go_to_frame(frame_key, generation_key, frame_at(float(st.session_state[time_key])))


def time_box(time_key: str, frame_key: str, generation_key: str, times, frame: int, frame_at) -> None:
    """A box with the time of the frame shown, in seconds: type a time to go to its frame.

    Its value is set from the frame on every run, so it follows the slider, the buttons and a
    pick in the table or on a chart; what is typed goes to the frame shown at that time (and
    the box then says that frame's own time)."""
    st.session_state[time_key] = round(float(times[frame]), 2)
    st.number_input(
        "Time (s)", min_value=0.0, max_value=round(float(times[-1]), 2), step=0.1, format="%.2f", key=time_key,
        on_change=_typed_time, args=(time_key, frame_key, generation_key, frame_at),
        help="Type a time in seconds to show the frame at that moment.",
    )  # fmt: skip
