"""``auto`` mode: find the most periodic signal in the pose, with no exercise name.

Whatever the exercise, a rep moves a group of landmarks together and back. Principal
components of the normalised pose gather that motion into one number per frame. The
periodic ones (high autocorrelation at the rep period) each count their reps, and the
score-weighted median of those counts decides: one component alone is often fooled by
a camera cut or by every second rep looking different, the consensus rarely is. A
component's sign is arbitrary, so the turning point is judged by the body's extension.
A component in which the left and right sides take turns (alternating lunges or curls)
runs at half the pace of the reps and is left out while another one shows them.
Every count is gated on the body (``gate.py``: a still person shows no reps); when the
largest motion is one rep, what smaller components count inside it are its phases, and
so are the two bumps per rep of a smaller component at half a larger one's period;
when the clip is too short to measure the largest motion's period (one or two reps), or
that motion is nearly all the movement and keeps to its period, its own count stands; and
a second set that another component shows where the chosen one is quiet is pasted in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.counting.cycles import robust_range
from analysis.counting.gate import FEW_REPS, BodyMotion, gate_reps
from analysis.counting.period import estimate_period, remove_slow_drift
from analysis.counting.signals import (
    alternating_components,
    clean_pose,
    mean_angle,
    normalised_pose,
    principal_signals,
    scaled_per_frame,
    side_on,
)
from analysis.track import PoseTrack


@dataclass
class CountSignal:
    """A 1-D signal prepared for counting (cache it: re-counting then costs milliseconds)."""

    name: str
    times: np.ndarray
    values: np.ndarray
    polarity: str = "auto"  # "auto", "min" or "max": where the rep's turning point is
    period_s: float = float("nan")
    periodicity: float = 0.0
    details: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)  # peak-counter settings that reproduce the auto count
    # the pose the counted reps are checked against (``gate.py``); None = no check
    motion: BodyMotion | None = None


# components whose robust range is below this share of the largest one do not compete
AMP_RATIO = 0.1
# below this no component repeats convincingly (one rep, a very short clip): the
# largest motion (the first component) is then the rep
MIN_PERIODICITY = 0.3
# peak-counter settings tried on each component: as it is, and with level shifts removed
# (running median over 1.5 periods). The first is the plain one.
VARIANTS: tuple[dict, ...] = ({"detrend_periods": 0.0}, {"detrend_periods": 1.5})
# share of the pose variance the first component must carry for its one rep to be the clip
LONE_SHARE = 0.75
# the votes gate only a lone rep on its bend: a minor component often shows a single
# squat's way down and way up as two shallow "reps", and dropping those would turn its
# vote into 0 against the first component's 1. The final count (``count_reps``) checks
# pairs too (``gate.FEW_REPS``).
VOTE_FEW_REPS = 1
# "about twice": a smaller component whose period is about half a larger one's, and whose
# count is about twice its count, shows each of the larger one's reps as two bumps, the
# way down and the way up (``_halves_of``). Both ratios are required: in stu9_31 two
# components run at periods 0.43 and 0.93 s but count 7 and 8 (the same reps), and in
# stu6_15 a smaller component's right count (12) is 1.5x a larger one's wrong 8.
# 1.6-2.4, 1.7-2.3 and 1.8-2.2 give the same counts on RepCount; 1.5-2.5 takes in stu6_15.
HALF_PERIOD_RATIO = (1.6, 2.4)
# a component where the two sides take turns, correlated below this with itself one rep
# later, is the other side's rep each time (``_taking_turns``)
TURN_CORR = -0.3
# a first component with this share of the pose variance, whose reps fit its period this
# well, decides alone (``_first_component_decides``). On RepCount no count changes with
# 0.85-0.95 (0.8 changes three, one for the better); the webcam test's looped squat
# counted 5 for 2 before.
DOMINANT_SHARE = 0.9
DOMINANT_FIT = 0.8
# each vote is also weighted by its component's share of the pose variance to this power,
# where the pose keeps its size (``signals.scaled_per_frame``: not in RepCount's files, whose
# per-frame scaling distorts the shares; there every power tried made the count worse).
# On the 20 clips, whatever the pixel pipeline, a component with 1.5% of the variance no
# longer outvotes one with 82% (docs/benchmarks.md, tenth round; 0.5 and 1 gained less).
VARIANCE_POWER = 0.25
EXTENSION_ANGLES = ("left_knee", "right_knee", "left_hip", "right_hip", "left_elbow", "right_elbow")


def extension_polarity(track: PoseTrack, values: np.ndarray, min_corr: float = 0.3) -> str:
    """Where the rep's turning point is on ``values``, judged by how extended the body is.

    Most exercises rest in the more extended pose (standing, arms straight in a push-up
    top or a pull-up hang, lying flat before a sit-up) and turn in the more flexed one.
    The mean of the knee, hip and elbow angles is compared with the signal: if the
    signal is high when the body is extended, the turning point is its minimum. When
    the two hardly correlate (|r| < ``min_corr``) this returns "auto" and the counter
    falls back to where the clip starts and ends.
    """
    ext = mean_angle(track, EXTENSION_ANGLES)
    ok = np.isfinite(ext) & np.isfinite(values)
    if ok.sum() < 10 or np.std(ext[ok]) == 0 or np.std(values[ok]) == 0:
        return "auto"
    r = float(np.corrcoef(ext[ok], values[ok])[0, 1])
    if not np.isfinite(r) or abs(r) < min_corr:
        return "auto"
    return "min" if r > 0 else "max"


def period_fit(reps: list, period_s: float) -> float:
    """How well a count agrees with its own period, 0..1 (1 = reps fill their span).

    ``count x period`` should equal the time from the first rep's start to the last
    one's end. A counter that found every second rep (or half-reps twice per cycle)
    misses that by a factor of about two, so its vote weighs about half as much.
    With fewer than two reps there is no span to check (1).
    """
    if len(reps) < 2 or not np.isfinite(period_s) or period_s <= 0:
        return 1.0
    span = reps[-1].end_s - reps[0].start_s
    if span <= 0:
        return 1.0
    ratio = len(reps) * period_s / span
    return float(min(ratio, 1.0 / ratio))


def _about_twice(main_period: float, period: float, main_reps: list, reps: list) -> bool:
    """Whether a component (``period``, ``reps``) runs at about twice the pace of a larger one."""
    lo, hi = HALF_PERIOD_RATIO
    if not (np.isfinite(main_period) and np.isfinite(period) and period > 0 and main_reps):
        return False
    return lo <= main_period / period <= hi and lo <= len(reps) / len(main_reps) <= hi


def _halves_of(reps: list, outer: list) -> list:
    """``reps`` with those in the same cycle of ``outer`` merged into one (the first).

    A cycle of ``outer`` runs from one rep's start to the next one's (the way down, the
    way up and the return to rest: a bump at half the period lies at the bottom and one
    at the rest in between), at most 1.5 typical rep spacings, so a stretch where the
    larger component shows nothing (a second set) keeps its own reps.
    """
    starts = np.array([o.start_s for o in outer])
    limit = 1.5 * float(np.median(np.diff(starts))) if len(outer) >= 2 else outer[0].end_s - starts[0]
    ends = [max(o.end_s, min(nxt, o.start_s + limit)) for o, nxt in zip(outer, [*starts[1:], np.inf])]
    kept, used = [], set()
    for rep in reps:
        hit = next((i for i, (a, b) in enumerate(zip(starts, ends)) if a <= rep.bottom_s <= b), None)
        if hit is None or hit not in used:
            kept.append(rep)
        if hit is not None:
            used.add(hit)
    return kept


def _taking_turns(
    pcs: np.ndarray,
    times: np.ndarray,
    axes: np.ndarray,
    seen_from_side: bool,
    periods: list,
    amps: np.ndarray,
) -> np.ndarray:
    """(k,) bool: components that show a rep on each side as one cycle.

    A component in which the two sides take turns (``alternating_components``) does so
    when, one rep later, it is the opposite of what it was (correlation at that lag below
    ``TURN_CORR``): the other leg leads. The rep's period comes from a component that
    moves enough (``AMP_RATIO``) and where the sides do not take turns (the hips going
    down and up on every lunge, whichever leg leads). A lunge on the same leg every time
    is also one foot forward and one back, but it is the same one rep later: it is the
    rep, and stays.
    """
    alternating = alternating_components(axes, seen_from_side)
    periods_a = np.asarray(periods, dtype=float)
    steady = ~alternating & (amps >= AMP_RATIO * amps.max()) & np.isfinite(periods_a)
    out = np.zeros(len(alternating), dtype=bool)
    for k in np.flatnonzero(alternating):
        out[k] = any(_lagged_corr(pcs[:, k], times, periods_a[j]) < TURN_CORR for j in np.flatnonzero(steady))
    return out


def _lagged_corr(values: np.ndarray, times: np.ndarray, lag_s: float) -> float:
    """Correlation of a series with itself ``lag_s`` later (NaN when too little overlaps)."""
    later = np.interp(times + lag_s, times, values, right=np.nan)
    ok = np.isfinite(values) & np.isfinite(later)
    if ok.sum() < 10 or np.std(values[ok]) == 0 or np.std(later[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(values[ok], later[ok])[0, 1])


def _first_component_decides(var: np.ndarray, period_s: float, reps: list, counter) -> bool:
    """Whether the largest motion's own count stands against the vote of the others.

    Two cases, both where the smaller components' periods are noise that would outvote it:
    it carries most of the movement (``LONE_SHARE``) in a clip too short for its period to
    be measured (one or two reps); or it carries nearly all of it (``DOMINANT_SHARE``) and
    its reps keep to its own period (``DOMINANT_FIT``), so what the others repeat is a
    detail of those reps (an arm, the head), which on a short clip often scores as more
    periodic than the reps themselves.
    """
    if var[0] >= LONE_SHARE and not np.isfinite(period_s):
        return 1 <= len(reps) <= FEW_REPS
    return (
        var[0] >= DOMINANT_SHARE
        and np.isfinite(period_s)
        and len(reps) >= 2
        and period_fit(reps, counter.period_s_) >= DOMINANT_FIT
    )


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])


def _vote(
    pcs, t, motion, polarities, good, var, periods, scores, share_weight
) -> tuple[list, float, int, int]:
    """``(candidates, consensus, component, variant)``: every good component's count, the
    count their weighted votes agree on, and the component (and ``VARIANTS`` entry) to show.

    Each good component counts with the peak counter, gated on the body, in every
    ``VARIANTS`` entry, and votes with its score times how well the count fits its own
    period (``period_fit``) times its variance share weight (``share_weight``). What a
    smaller component counts inside the largest motion's one rep are that rep's phases, and
    a component at about twice a larger one's pace shows each of its reps as two bumps
    (``_halves_of``): both are merged first. The component shown is, of those whose own
    count is the consensus, the one whose vote weighs most; the largest motion when it
    decides alone (``_first_component_decides``) or is the one rep. ``candidates``:
    (component, variant, count, weight, own count) each.
    """
    from analysis.counting.peaks import PeakCounter  # here to avoid an import cycle

    memo: dict = {}

    def gated(k: int, variant: dict) -> tuple[list, PeakCounter]:
        key = (k, tuple(sorted(variant.items())))
        if key not in memo:
            counter = PeakCounter(polarity=polarities[k], **variant).fit(pcs[:, k], t)
            memo[key] = gate_reps(motion, counter.reps_, few_reps=VOTE_FEW_REPS)[0], counter
        return memo[key]

    # the largest motion showing exactly one rep, and carrying most of the movement:
    # when all that another component counts lies inside that rep, those are its phases
    # (the way down and the way up of a single squat), not reps
    first_reps, first_counter = gated(0, VARIANTS[0])
    lone = first_reps[0] if var[0] >= LONE_SHARE and len(first_reps) == 1 else None
    # each component's reps (as it is): a smaller component at about half its period and
    # twice its count shows the way down and the way up of each of those reps
    mains = [(j, gated(j, VARIANTS[0])[0]) for j in good]
    candidates = []  # (component, variant, count, weight, own count)
    for k in good:
        for i, variant in enumerate(VARIANTS):
            reps, counter = gated(k, variant)
            own = len(reps)
            if lone is not None and k != 0 and all(lone.start_s <= r.bottom_s <= lone.end_s for r in reps):
                reps = reps[:1]
            outer = next(
                (m for j, m in mains if j < k and _about_twice(periods[j], periods[k], m, reps)), None
            )
            if outer is not None:
                reps = _halves_of(reps, outer)
            weight = max(scores[k], 1e-6) * period_fit(reps, counter.period_s_) * share_weight[k]
            candidates.append((k, i, len(reps), weight, own))
    consensus = _weighted_median(
        np.array([c[2] for c in candidates], dtype=float), np.array([c[3] for c in candidates])
    )
    # the signal shown is one whose own count is the consensus (a count merged into the
    # lone rep is not what that component counts on its own)
    agreeing = [c for c in candidates if c[4] == consensus] or [c for c in candidates if c[2] == consensus]
    if _first_component_decides(var, periods[0], first_reps, first_counter):
        consensus = len(first_reps)
        best, best_variant = 0, 0
    elif consensus == 1 and lone is not None:  # one rep, and it is the largest motion's
        best, best_variant = 0, 0
    else:
        best, best_variant = max(agreeing, key=lambda c: (c[3], -c[1]))[:2]
    return candidates, consensus, best, best_variant


def auto_signal(
    track: PoseTrack,
    n_components: int = 4,
    smooth_s: float = 0.05,
    score_ratio: float = 0.0,
    variance_power: float = VARIANCE_POWER,
    skip_alternating: bool = True,
) -> CountSignal:
    """The principal component of the normalised pose to count on, found without an exercise.

    Single-frame glitches are removed with a 5-frame median filter, then a light
    Gaussian smoothing. Each of the top components is scored by its autocorrelation
    peak (after removing slow drift). Every component that moves enough (and scores at
    least ``score_ratio`` of the best; 0 = no such cut, the weights already carry the
    score) counts its reps with the default peak counter; each count votes with the
    component's score times how well the count fits its own period (``period_fit``),
    the weighted median wins and, among the components whose own count it is, the one whose
    vote weighs most is the signal (``_vote``). One component alone is often fooled (a
    camera cut, every second rep looking different); the consensus of several rarely is. Where the pose keeps its size
    (not scaled per frame), a vote also weighs the component's variance share to
    ``variance_power``: a tiny periodic detail does not outvote the movement itself.
    With ``skip_alternating``, components in which the two sides take turns (one cycle
    is a rep on each side: alternating lunges, alternating curls) do not take part while
    another component moves with the reps.
    """
    t = track.times
    pose = normalised_pose(track)
    flat = pose.reshape(len(pose), -1)
    seen = np.isfinite(flat).all(axis=1)
    if seen.sum() < 3:
        return CountSignal(
            "too few frames with a person to count", t, np.full(len(t), np.nan), details={"scores": []}
        )
    cleaned = clean_pose(track, smooth_s)
    motion = BodyMotion.from_track(track, cleaned)
    pcs, var, axes = principal_signals(cleaned, n_components)
    pcs[~seen] = np.nan  # long gaps stay gaps; short ones were bridged in normalised_pose
    scores, periods = [], []
    for k in range(pcs.shape[1]):
        est = estimate_period(remove_slow_drift(pcs[:, k], t), t)
        scores.append(est.score if np.isfinite(est.period_s) else 0.0)
        periods.append(est.period_s)
    amps = np.array([robust_range(pcs[:, k]) for k in range(pcs.shape[1])])
    # a component where the two sides take turns, the opposite of itself one rep later,
    # shows a rep on each side as one cycle: it is left out (``_taking_turns``)
    turns = (
        _taking_turns(pcs, t, axes, side_on(cleaned), periods, amps)
        if skip_alternating
        else np.zeros(len(var), bool)
    )
    kept = np.flatnonzero(~turns)
    pcs, var, amps = pcs[:, kept], var[kept], amps[kept]
    scores, periods = [scores[k] for k in kept], [periods[k] for k in kept]
    scores_a = np.asarray(scores)
    # a component that barely moves is noise even when it repeats (a short clip gives
    # the autocorrelation too few cycles to tell): only large enough ones compete
    eligible = amps >= AMP_RATIO * amps.max()
    best_score = scores_a[eligible].max()
    if best_score >= MIN_PERIODICITY:
        good = np.flatnonzero(eligible & (scores_a >= score_ratio * best_score))
    else:
        good = np.flatnonzero(eligible)[:1]
    # every good component counts, as it is and with level shifts removed (camera cuts
    # and a person moving between segments hide small reps behind the big steps)
    polarities = {k: extension_polarity(track, pcs[:, k]) for k in set(good) | {0}}

    # how much of the movement each component carries, where the pose keeps its size
    scaled = scaled_per_frame(track)
    share_weight = np.ones(len(var)) if scaled else np.asarray(var) ** variance_power
    candidates, consensus, best, best_variant = _vote(
        pcs, t, motion, polarities, good, var, periods, scores_a, share_weight
    )
    counts = [
        next((c for kk, i, c, _, _ in candidates if kk == k and i == 0), -1) for k in range(pcs.shape[1])
    ]
    values, settings, name = (
        pcs[:, best].copy(),
        dict(VARIANTS[best_variant]),
        f"pc{kept[best] + 1} of normalised pose",
    )
    if consensus >= 2:
        block = _second_block(track, pcs, t, best, settings, polarities, eligible, motion)
        if block is not None:
            values, settings, name = (
                block[0],
                block[1],
                f"{name}, pc{kept[block[2]] + 1} {block[3]:.1f}-{block[4]:.1f} s",
            )
    return CountSignal(
        name=name,
        times=t,
        values=values,
        polarity=polarities[best],
        period_s=float(periods[best]),
        periodicity=float(scores[best]),
        settings=settings,
        motion=motion,
        details={
            "scores": scores,
            "periods_s": periods,
            "counts": counts,
            "consensus_count": int(consensus),
            "candidates": [[int(k), dict(VARIANTS[i]), int(c), float(w)] for k, i, c, w, _ in candidates],
            "explained_variance": var.tolist(),
            "pose_scaled_per_frame": scaled,  # True: votes not weighted by variance share
            "component": best,
            # the components above, numbered as in the whole pose (pc1 = 0); those left out
            # because the two sides take turns in them are in "alternating"
            "components": kept.tolist(),
            "alternating": np.flatnonzero(turns).tolist(),
        },
    )


# a stretch with no rep of the chosen component, this many of its periods long, may hold a
# second set on another component; it is taken when it is a regular block of reps
GAP_PERIODS = 3.0
MIN_BLOCK = 5
MAX_INTERVAL_CV = 0.2


def _second_block(track, pcs, t, best, settings, polarities, eligible, motion):
    """A second set the chosen component does not see (the camera or the exercise changed).

    In each stretch of at least ``GAP_PERIODS`` of the chosen component's periods without
    one of its reps, another component may count a block of at least ``MIN_BLOCK`` reps
    at a regular pace (spread of the intervals <= ``MAX_INTERVAL_CV`` of their mean).
    The largest such block is pasted into the chosen signal, turned and scaled to its
    reps' direction, rest level and size, so one signal shows both sets. Kept only when
    the peak counter on the pasted signal finds exactly the reps of both: returns
    (values, settings, component, start_s, end_s) or None.
    """
    from analysis.counting.peaks import PeakCounter

    main = PeakCounter(polarity=polarities[best], **settings).fit(pcs[:, best], t)
    reps = gate_reps(motion, main.reps_, few_reps=VOTE_FEW_REPS)[0]
    if len(reps) < 2:
        return None
    period = main.period_s_
    edges = [t[0]] + [v for r in reps for v in (r.start_s, r.end_s)] + [t[-1]]
    found = None
    for lo, hi in zip(edges[::2], edges[1::2]):
        if hi - lo < GAP_PERIODS * period:
            continue
        inside = (t >= lo) & (t <= hi)
        for k in np.flatnonzero(eligible):
            if k == best or inside.sum() < 10:
                continue
            pol = polarities.get(k) or extension_polarity(track, pcs[:, k])
            counter = PeakCounter(polarity=pol).fit(pcs[inside, k], t[inside])
            block = gate_reps(motion, counter.reps_, few_reps=VOTE_FEW_REPS)[0]
            if len(block) < MIN_BLOCK:
                continue
            steps = np.diff([r.bottom_s for r in block])
            if np.std(steps) > MAX_INTERVAL_CV * np.mean(steps):
                continue
            if found is None or len(block) > len(found[1]):
                found = (k, block, counter, inside)
    if found is None:
        return None
    k, block, counter, inside = found
    x = pcs[:, best]
    rest_main = np.nanmedian([x[np.searchsorted(t, r.start_s)] for r in reps])
    y = pcs[inside, k]
    ty = t[inside]
    rest_block = np.nanmedian([y[min(np.searchsorted(ty, r.start_s), len(y) - 1)] for r in block])
    scale = np.median(main.excursions_) / max(np.median(counter.excursions_), 1e-9)
    values = x.copy()
    values[inside] = main.polarity_ * counter.polarity_ * (y - rest_block) * scale + rest_main
    settings = dict(settings, period_s=float(min(period, counter.period_s_)))
    check = PeakCounter(polarity=polarities[best], **settings).fit(values, t)
    if len(gate_reps(motion, check.reps_, few_reps=VOTE_FEW_REPS)[0]) != len(reps) + len(block):
        return None
    return values, settings, int(k), float(ty[0]), float(ty[-1])
