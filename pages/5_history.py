"""History: saved analyses per athlete, trends over sessions (reps, good share, faults), one
session rep by rep, delete and export."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from analysis.errors import RepLabError
from analysis.files import for_spreadsheets
from analysis.form.dataset import FAULT_LABELS
from analysis.history import (
    NotesChangedError,
    fault_counts,
    fault_shares_by_month,
    form_summary,
    month_words,
    session_rep_rows,
    sessions_in_month,
    sessions_per_month,
)
from analysis.wording import count_words, rep_numbers_words
from pages import charts, common, text, widgets

common.through_the_app()

st.title("Athlete history")
try:
    store = common.get_history()
    athletes = store.athletes()
except RepLabError as exc:  # said as a sentence: the library's words run on after a colon elsewhere
    st.error(text.sentence(str(exc)))
    st.stop()
st.caption(f"Saved in {store.path}")
# a delete's outcome, first: deleting the very last entry stops the page just below
if notice := st.session_state.pop("history_notice", None):
    st.success(notice)
    st.toast(notice)  # seen where the user is: the page stays scrolled at the Delete button

if not athletes:
    if not store.path.exists():  # a history on a drive not connected read as an empty one (review U)
        st.info(
            "Nothing saved yet: there is no history file at that place. If your history is on a drive "
            "that is not connected, connect it and reload the page; otherwise analyse a clip and use "
            "**Save to history** on the Analyse page."
        )
    else:
        st.info("Nothing saved yet. Analyse a clip and use **Save to history** on the Analyse page.")
    st.stop()
# said before a note is typed or an entry chosen, not after the click (review U)
if read_only := store.cannot_write():
    st.warning(
        f"Editing and deleting are off: {read_only}. Everything saved can still be viewed and exported."
    )

# kept across page visits (a plain key fell back to the first athlete after a look elsewhere)
athlete = widgets.kept_selectbox(st, "Athlete", athletes, key="history_athlete")
zone, zone_name = common.viewer_timezone()  # saved times in the viewer's zone
sessions = store.sessions(athlete, tz=zone)
if not sessions:
    st.info(f"No saved analyses for {text.literal(athlete)}.")
    st.stop()
ALL_MONTHS = "all"
month = None  # the month shown, None for all of them
per_month = sessions_per_month(sessions)
# one month choice for the page, applied to every athlete who has sessions in it; an athlete
# without them is shown whole, and said so (the box fell back to "all" unannounced, and stayed
# there when the coach went back to the first athlete: review AT)
wanted = st.session_state.get("keep_history_period", ALL_MONTHS)  # the Period box's kept choice
if missing := wanted not in (ALL_MONTHS, *per_month):
    name = text.literal(athlete)
    st.info(
        f"{name} has no sessions in {month_words(wanted)}: showing all of {name}'s "
        f"({count_words(len(sessions), 'session')})."
    )
if len(per_month) > 1:
    # a season is found month by month: the table, the charts and the boxes below show the
    # chosen month only (40 sessions were one long table and 40 hairline fault bars: review AN)
    every = len(sessions)
    period = widgets.kept_selectbox(
        st, "Period", [ALL_MONTHS, *per_month], key="history_period",
        format_func=lambda m: f"All {every} sessions" if m == ALL_MONTHS
        else f"{month_words(m)} ({count_words(per_month[m], 'session')})",
        # a box of this athlete's, on "all": the box that holds the month is not drawn, so
        # Streamlit forgets its "all" and it opens on the month again for the next athlete with it
        default_follows=athlete if missing else "",
    )  # fmt: skip
    if period != ALL_MONTHS:
        month = period
        sessions = sessions_in_month(sessions, month)


st.dataframe(
    # what a coach reads first on the left: on a phone only the first three columns show;
    # newest first, as the Session and Delete boxes list them (the newest of 50 sat at the
    # bottom of a scrolled table: review U)
    [{"id": s["id"], "reps": s["count"], "exercise": s["exercise"], "form": form_summary(s),
      f"date ({zone_name})": s["local_time"], "clip": s["clip_name"], "notes": s["notes"]}
     for s in reversed(sessions)],
    hide_index=True,
)  # fmt: skip

# the charts' time axis: local time to the second (three saves in one minute shared one x,
# and the line went straight up)
dates = [s["local_datetime"] for s in sessions]
fig = go.Figure()
# one line per exercise: 7 squats then 4 push-ups drawn as one line read as a drop
exercises = list(dict.fromkeys(s["exercise"] for s in sessions))
GOOD_SHARE_COLOUR = charts.GOOD_COLOUR
# one colour and one hatch per fault, the same for every athlete; never the good share's blue
# (the old purple/pink and brown/red pairs were hard to tell apart with red-green colour blindness)
FAULT_COLOURS = dict(zip(FAULT_LABELS, ("#CC79A7", "#8c564b", "#D55E00", "#E69F00", "#009E73"), strict=True))
FAULT_HATCHES = dict(zip(FAULT_LABELS, ("", "/", "x", ".", "-"), strict=True))
line_colours = [c for c in charts.PALETTE if c != GOOD_SHARE_COLOUR]  # blue is the good share's
for i, name in enumerate(exercises):
    mine = [(d, s) for d, s in zip(dates, sessions) if s["exercise"] == name]
    fig.add_scatter(
        x=[d for d, _ in mine], y=[s["count"] for _, s in mine], mode="lines+markers", name=f"{name} reps",
        line={"color": line_colours[i % len(line_colours)]},
        customdata=[[s["id"], s["clip_name"]] for _, s in mine],
        hovertemplate=f"{name}, reps: %{{y}}<br>#%{{customdata[0]}} %{{customdata[1]}}<extra></extra>",
    )  # fmt: skip
shares = [(d, s["good_share"]) for d, s in zip(dates, sessions) if s["good_share"] is not None]
if shares:
    fig.add_scatter(x=[d for d, _ in shares], y=[100 * v for _, v in shares], mode="lines+markers",
                    name="good reps (%)", yaxis="y2", line={"color": GOOD_SHARE_COLOUR, "dash": "dot"})  # fmt: skip
fig.update_layout(
    height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified", showlegend=True,
    xaxis=charts.session_axis(dates),
    yaxis={"title": "reps", "rangemode": "tozero"},
    yaxis2={"title": "good reps (%)", "overlaying": "y", "side": "right", "range": [0, 105]},
    legend=charts.BELOW,
)  # fmt: skip
st.plotly_chart(fig, key="history_trend")


def fault_bars(
    x: list[str], values: dict[str, list[float]], title: str, y_title: str, x_title: str
) -> go.Figure:
    """One bar per fault and ``x`` slot, each fault in its own colour and hatch."""
    fig = go.Figure()
    for name, counts in values.items():
        fig.add_bar(x=x, y=counts, name=name, marker_color=FAULT_COLOURS.get(name, "#7f7f7f"),
                    marker_pattern={"shape": FAULT_HATCHES.get(name, ""), "fillmode": "overlay", "fgcolor": "white"})  # fmt: skip
    fig.update_layout(
        # side by side, not stacked: one rep with three faults stacked into a bar 3 high on an
        # axis of "reps with the fault", read as three faulty reps
        barmode="group", height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": y_title, "rangemode": "tozero"},
        title={"text": title, "x": 0}, showlegend=True,  # a lone fault had no name
        legend=charts.BELOW,
        xaxis={"type": "category", "title": x_title}, bargap=0.4,
    )  # fmt: skip
    return fig


# judged sessions only: a push-up or curl session (no verdicts) was an empty slot, read as
# "no faults that day", and an athlete's 50 sessions made 50 hairline slots for 20 judged (review U)
judged_sessions = [s for s in sessions if s["verdicts"]]
if len(sessions_per_month(judged_sessions)) > 1:
    # a season: one group a month (40 sessions were 40 hairline groups under slanted names:
    # review AN); the Period box shows one month's sessions one by one
    months, shares = fault_shares_by_month(judged_sessions)
    if shares:
        fig = fault_bars(
            [month_words(m) for m in months], {k: [round(100 * v, 1) for v in vs] for k, vs in shares.items()},
            "Faults per month", "judged reps with the fault (%)", "month (choose one under Period for its sessions)",
        )  # fmt: skip
        st.plotly_chart(fig, key="history_faults")
elif faults := fault_counts(judged_sessions):
    # one bar per session, named by its entry and day: on the trend's time axis a bar is as
    # wide as the closest two saves are apart, a hairline for saves seconds or days apart
    session_names = [f"#{s['id']} {s['local_time'][:10]}" for s in judged_sessions]
    fig = fault_bars(
        session_names, faults, "Faults per session", "reps with the fault", "session (entry, day)"
    )
    fig.update_yaxes(dtick=1 if max(max(c) for c in faults.values()) <= 10 else None)
    st.plotly_chart(fig, key="history_faults")

st.subheader("One session, rep by rep")
labels = {
    s["id"]: f"#{s['id']} · {s['local_time'][:10]} · {count_words(s['count'], 'rep')} · {s['clip_name']}"
    for s in sessions
}
newest_first = list(reversed(labels))
shown = widgets.kept_selectbox(st, "Session", newest_first, key="history_detail", format_func=labels.get)
session = next(s for s in sessions if s["id"] == shown)
if session["notes"]:  # as typed: "$40 ... $10" was set as LaTeX, "*in*" in italics
    st.caption(f"Notes: {text.literal(session['notes'])}")
with st.expander("Edit the notes"):  # saving the analysis again made a second session
    # the notes this tab's edit starts from: saved from another tab meanwhile, they were
    # overwritten without a word (review U)
    was_key = f"edit_notes_was_{shown}"
    was = st.session_state.setdefault(was_key, session["notes"])
    edited = st.text_area(
        "Notes", value=session["notes"], key=f"edit_notes_{shown}", disabled=bool(read_only)
    )
    # not disabled for an edit: a box typed in reaches the server only when it loses focus, so
    # a button greyed out until then would swallow the click that moves the focus
    if st.button("Save the notes", key=f"save_notes_{shown}", disabled=bool(read_only)):
        if edited == session["notes"]:
            st.session_state[was_key] = session["notes"]
            st.info("The notes are as saved: nothing to change.")
        else:
            try:
                if store.update_notes(shown, edited, was=was):
                    st.session_state[was_key] = edited
                    st.session_state["history_notice"] = f"Notes of entry #{shown} saved."
                    st.rerun()
                st.warning(f"Entry #{shown} is no longer in the history (deleted in another tab or window).")
            except NotesChangedError as exc:
                st.session_state[was_key] = exc.current  # seen now: a second click saves this tab's text
                st.warning(
                    f"The notes of entry #{shown} were changed in another tab or window since you opened them; "
                    f"they now read: {text.literal(exc.current) or '(none)'}. Nothing was saved: your text is "
                    "still in the box. Click Save the notes again to replace them with it."
                )
            except RepLabError as exc:
                st.error(text.sentence(str(exc)))
if session["p_good_needed"] is not None:
    st.caption(
        f"Judged at the strictness set when it was saved: a rep needed p(good) of at least "
        f"{session['p_good_needed']:.2f} to be good."
    )
rows = session_rep_rows(session)
if rows:
    # each rep's reason in words under the table, where it wraps: in the table's last column it
    # was cut ("deep enough at this stri" at 1366 px, and off screen on a phone)
    st.dataframe([{k: v for k, v in row.items() if k != "reason"} for row in rows], hide_index=True)
    numbers = [row["rep"] for row in rows]
    if skipped := sorted(set(range(1, max(numbers) + 1)) - set(numbers)):
        st.caption(
            f"Reps are numbered as in the clip (the Squat form page, its CSV and report): "
            f"{rep_numbers_words(skipped)} {'was not a squat' if len(skipped) == 1 else 'were not squats'} and "
            f"{'is' if len(skipped) == 1 else 'are'} not saved."
        )
    reasons = [f"**Rep {row['rep']}:** {text.literal(row['reason'])}" for row in rows if row["reason"]]
    if len(reasons) > common.MANY_REPS:  # a 72-rep set's reasons were a page of text
        st.expander(f"Each rep's reason ({len(reasons)} reps)").markdown("  \n".join(reasons))
    elif reasons:
        st.markdown("  \n".join(reasons))
else:
    st.caption("No reps were counted in this session.")


def spreadsheet_export(athlete: str | None, month: str | None = None):
    """The CSV export of ``athlete``'s entries (None: everyone's), of ``month`` as this page
    reads months (the viewer's zone) or all of them, as the download's ``data``:
    built when the button is clicked (Streamlit runs it then), not on every rerun of the page,
    which built both exports each time (50-135 ms a rerun at 320 sessions: review AP)."""
    return lambda: for_spreadsheets(store.export_csv(athlete=athlete, month=month, tz=zone))


c1, c2 = st.columns(2)
with c1:
    st.subheader("Export")
    stem = f"replab_history_{text.file_stem(athlete)}"
    if month:  # what the page shows; the month's name in the label and the file's
        st.download_button(
            f"{text.literal(athlete)}'s {month_words(month)} (CSV)", spreadsheet_export(athlete, month),
            file_name=f"{stem}_{month}.csv", mime="text/csv",
        )  # fmt: skip
    st.download_button(
        f"{text.literal(athlete)}'s {'whole ' if month else ''}history (CSV)", spreadsheet_export(athlete),
        file_name=f"{stem}.csv", mime="text/csv",
    )  # fmt: skip
    st.caption(
        f"One row per saved analysis; created_at is in UTC (the table above shows {zone_name}"
        + (f"; the {month_words(month)} file holds that month's sessions there)." if month else ").")
    )
    st.download_button(
        "Everyone (CSV)", spreadsheet_export(None), file_name="replab_history.csv", mime="text/csv"
    )
with c2:
    st.subheader("Delete an entry")
    # a new box after each delete: the old one kept showing the deleted entry in the browser
    # while the checkbox and the button acted on another one (another athlete's, once)
    choice_key = f"delete_choice_{st.session_state.get('delete_generation', 0)}"
    was = st.session_state.get(choice_key)
    if was is not None and was not in labels and store.session(was) is None:  # gone elsewhere
        st.info(f"Entry #{was} is no longer in the history (deleted in another tab or window).")
    chosen = st.selectbox("Entry", newest_first, format_func=labels.get, key=choice_key)
    confirm = st.checkbox(
        f"Yes, delete entry #{chosen} for good", key=f"confirm_delete_{chosen}", disabled=bool(read_only)
    )
    # keyed by the entry: a click meant for an entry that vanished meanwhile deletes nothing
    # (the box falls back to the next entry, and a shared key deleted that one, unconfirmed)
    if st.button("Delete", type="primary", disabled=not confirm, key=f"delete_button_{chosen}"):
        try:
            deleted = store.delete_session(chosen)
            notice = f"Deleted entry #{chosen}." if deleted else f"Entry #{chosen} was already deleted."
            if not store.sessions(athlete):  # the page moves on to another athlete: say why
                notice += f" {text.literal(athlete)} has no saved analyses left."
            st.session_state["history_notice"] = notice
            st.session_state.pop(choice_key, None)  # this tab's own delete: nothing to explain
            st.session_state["delete_generation"] = st.session_state.get("delete_generation", 0) + 1
            st.rerun()
        except RepLabError as exc:
            st.error(text.sentence(str(exc)))
