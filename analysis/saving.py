"""Saving one analysis to an athlete's history: the rules the Analyse page and
``python -m analysis history save`` share.

Why a module of its own: what goes into the history decides the athlete's trends, so the
dashboard and the command line must save the same entry for the same clip. The rules were
written inside the Analyse page, where no script could reach them:

- a clip is counted as the exercise it is saved as (a squat clip counted on automatic and
  saved as squats holds the squat count, with a verdict per rep);
- a squat count is a count of squats: a movement the form check finds not to be one (the
  lifter dropping into the push-ups that follow), or that hardly bends the knees (a curl,
  ``ExercisePreset.min_swing``), is left out, and none at all is refused;
- the same analysis is saved once: the same notes is nothing new, other notes are an edit
  of the entry already saved (a second entry would count the session twice in the trends).

Errors the user can fix (no athlete name, a clip that shows no squat saved as squats) are
``RepLabError`` subclasses; a history file that cannot be written is ``HistoryError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analysis.counting import EXERCISE_PRESETS, CountResult, count_reps
from analysis.errors import RepLabError
from analysis.history import HistoryStore, normalise_athlete
from analysis.strictness import DEFAULT_STRICTNESS
from analysis.track import PoseTrack
from analysis.wording import count_words

OTHER_EXERCISE = "other"  # saved without a preset: counted on the automatic signal
SAVE_EXERCISES = (*EXERCISE_PRESETS, OTHER_EXERCISE)  # what an entry can be saved as

# outcomes of a save that raised nothing
SAVED = "saved"
ALREADY_SAVED = "already saved"  # the same analysis with the same notes: nothing new
SAVED_WITH_OTHER_NOTES = "saved with other notes"  # refused: the notes are edited in place

Judge = Callable[[PoseTrack, list, float], Sequence | None]


class NoAthleteError(RepLabError):
    """A save without an athlete name (spaces or invisible characters only count as none)."""

    def __init__(self) -> None:
        super().__init__("An athlete name is needed to save.")


class NotSquatsError(RepLabError):
    """Saved as squats, but none of the movements counted on the knee angle is a squat
    (a curl clip saved as squats stored "5 squat reps, 0 of 0 good")."""

    def __init__(self, found: int, shown_count: int | None = None):
        self.found = found  # movements counted on the knee angle
        self.shown_count = shown_count  # the count the user was shown, when it was another
        super().__init__(self.words("`python -m analysis form VIDEO`"))

    def words(self, why_from: str) -> str:
        """The refusal, naming where the user can read why each movement is no squat."""
        shown = "" if self.shown_count in (None, self.found) else f"; this page counts {self.shown_count}"
        if self.found == 0:  # nothing bends the knees like a rep
            return (
                f"Not saved as squats: counted on the knee angle, the clip shows no squat{shown}. Save it as "
                "another exercise, or check the clip."
            )
        looks = "it does not look" if self.found == 1 else "none of them looks"
        return (
            f"Not saved as squats: counted on the knee angle, the clip shows {count_words(self.found, 'movement')}"
            f"{shown}, and {looks} like a squat ({why_from} says why for each). Save it as another exercise, "
            "or check the clip."
        )


@dataclass(frozen=True)
class SaveOutcome:
    """What a save did: ``status`` is ``SAVED`` (a new entry), ``ALREADY_SAVED`` or
    ``SAVED_WITH_OTHER_NOTES`` (the twin entry holds this analysis; nothing was written).

    ``entry_id`` and ``athlete`` are the new entry's or the twin's (the name as stored:
    "ana lee" joins an "Ana Lee" saved before); ``count`` is the count saved (or that would
    have been), ``left_out`` the verdicts of movements left out as not squats, and
    ``no_verdicts`` why a squat save has no verdicts (the model could not judge), if so."""

    status: str
    entry_id: int
    athlete: str
    exercise: str
    count: int
    left_out: tuple = ()
    no_verdicts: str | None = None

    @property
    def saved(self) -> bool:
        return self.status == SAVED


def counting_exercise(exercise: str) -> str | None:
    """The preset an entry saved as ``exercise`` is counted with (None: the automatic signal)."""
    return exercise if exercise in EXERCISE_PRESETS else None


def saved_exercise_name(exercise: str | None) -> str | None:
    """The name an entry is saved under: a preset's own (``presets.exercise_key``: "Squat" and
    "squats" are "squat") or ``"other"``; None when no exercise is named ("auto", empty).
    Any other text is refused: "Squat" had been saved beside "squat", without verdicts, and
    split the athlete's trends in two (review L)."""
    from analysis.counting.presets import exercise_key

    if exercise is not None and exercise.strip().lower() == OTHER_EXERCISE:
        return OTHER_EXERCISE
    try:
        return exercise_key(exercise)
    except ValueError as exc:
        raise RepLabError(f"{exc}, or {OTHER_EXERCISE}") from None


def judge_squats(track: PoseTrack, reps: list, strictness: float) -> list:
    """Squat verdicts with the shipped model (the page passes its cached ``verdicts_for``)."""
    from analysis.form import assess_squat_reps

    return assess_squat_reps(track, reps, strictness=strictness)


def save_analysis(
    store: HistoryStore,
    track: PoseTrack,
    exercise: str,
    athlete: str,
    notes: str = "",
    clip_name: str | None = None,
    strictness: float = DEFAULT_STRICTNESS,
    result: CountResult | None = None,
    judge: Judge = judge_squats,
    shown_count: int | None = None,
) -> SaveOutcome:
    """Save ``track`` counted as ``exercise`` for ``athlete``, by the rules in this module's
    docstring; returns what was done.

    Args:
        exercise: what the entry is saved as: a preset name or ``"other"``.
        clip_name: the name saved (default: the track's ``source_name``).
        strictness: the form verdicts' strictness (0..1), saved with each verdict.
        result: ``count_reps(track, exercise=counting_exercise(exercise))`` if the caller has
            it already (the page's own count); counted here otherwise.
        judge: ``(track, reps, strictness) -> verdicts``, for squats.
        shown_count: the count the user was shown, said in a refusal when it differs.

    Raises:
        NoAthleteError, NotSquatsError; HistoryError when the file cannot be written.
    """
    if not normalise_athlete(athlete):  # said first: a curl refused as squats hid the missing name
        raise NoAthleteError()
    exercise = saved_exercise_name(exercise)
    if exercise is None:  # "auto" or nothing: an entry is saved as what it is counted on
        raise RepLabError(f"name the exercise to save the analysis as (one of {', '.join(SAVE_EXERCISES)})")
    if result is None:
        result = count_reps(track, exercise=counting_exercise(exercise))
    reps = list(result.reps)
    verdicts, no_verdicts, left_out = None, None, []
    if exercise == "squat" and not reps:  # no squat at all: "0 squat reps" was stored (review L)
        raise NotSquatsError(len(result.swung_too_little), shown_count)  # knees that hardly bend
    if exercise == "squat" and reps:
        try:
            verdicts = judge(track, reps, strictness)
        except (RepLabError, ValueError) as exc:
            no_verdicts = str(exc)
    if verdicts:
        from analysis.form.verdict import squats_only

        reps, verdicts, left_out = squats_only(reps, verdicts)
        if not verdicts:  # none is a squat: a curl saved as squats, say
            raise NotSquatsError(len(left_out), shown_count)
        verdicts = numbered_as_in_clip(verdicts, left_out)
    count = len(reps) if verdicts is not None else result.count
    name = clip_name if clip_name is not None else (track.source_name or "")
    # saved once: the check for the same analysis and the save are one transaction
    entry_id, twin = store.add_session_once(
        athlete, name, track.source_hash, exercise, count, reps, verdicts, notes
    )
    if twin is not None:  # the twin entry holds this analysis; nothing was written
        return SaveOutcome(
            ALREADY_SAVED if twin["notes"] == notes else SAVED_WITH_OTHER_NOTES, entry_id, twin["athlete"],
            exercise, count, tuple(left_out), no_verdicts,
        )  # fmt: skip
    saved_as = store.session(entry_id)["athlete"]
    return SaveOutcome(SAVED, entry_id, saved_as, exercise, count, tuple(left_out), no_verdicts)


def numbered_as_in_clip(verdicts: list, left_out: list) -> list[dict]:
    """The saved squats' verdicts (``squats_only``), each with ``clip_rep``: its number among
    all the reps counted in the clip, as the Squat form page, its CSV and its report number it.

    The movements that are not squats are not saved, and the History numbered the rest 1, 2,
    3 ...: its "rep 13" was rep 14 everywhere else, six off by the end of a 3-minute set with
    six drops to the floor (review AE)."""
    skipped = {v.index for v in left_out}
    numbers = [i + 1 for i in range(len(verdicts) + len(skipped)) if i not in skipped]
    return [{**v.to_dict(), "clip_rep": number} for v, number in zip(verdicts, numbers)]


def default_exercise(
    track: PoseTrack, judge: Judge = judge_squats, strictness: float = DEFAULT_STRICTNESS
) -> str:
    """What a clip is saved as when no exercise is named: ``"squat"`` when most reps the squat
    preset counts are squats by the verdicts' own test, else ``"other"`` (the Analyse page's
    default with its Exercise box on automatic: a curl clip offered as squats was refused)."""
    reps = list(count_reps(track, exercise="squat").reps)
    if not reps:
        return OTHER_EXERCISE
    try:
        verdicts = judge(track, reps, strictness) or []
    except (RepLabError, ValueError):
        return OTHER_EXERCISE
    looks_like_squats = bool(verdicts) and 2 * sum(v.judged for v in verdicts) >= len(verdicts)
    return "squat" if looks_like_squats else OTHER_EXERCISE
