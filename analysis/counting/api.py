"""``count_reps`` and ``compare_counters``: a track in, ``CountResult``s out.

Two steps, kept apart so the dashboard can re-count instantly: ``prepare_signal``
builds the 1-D signal (the only step that touches the whole pose), and an estimator
from ``COUNTERS`` counts on it. The recommended count is the peak counter on the
``auto`` signal: no exercise name needed.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np

from analysis.counting.adaptive import AdaptiveThresholdCounter
from analysis.counting.auto import CountSignal, auto_signal
from analysis.counting.base import BaseCounter, CountResult, check_series
from analysis.counting.flow import FlowCounter, flow_signal
from analysis.counting.gate import BodyMotion, gate_reps, swing_gate
from analysis.counting.hysteresis import HysteresisCounter
from analysis.counting.peaks import PeakCounter
from analysis.counting.periodicity import PeriodicityCounter
from analysis.counting.presets import exercise_key, preset_for
from analysis.counting.signals import frame_rate, scaled_per_frame
from analysis.errors import RepLabError
from analysis.track import PoseTrack
from analysis.wording import count_words

COUNTERS: dict[str, type[BaseCounter]] = {
    "peaks": PeakCounter,
    "adaptive": AdaptiveThresholdCounter,
    "hysteresis": HysteresisCounter,
    "flow": FlowCounter,
    "periodicity": PeriodicityCounter,
}
RECOMMENDED = "peaks"
POSE_METHODS = ("peaks", "adaptive", "hysteresis", "periodicity")


_SIGNAL_CACHE: OrderedDict[tuple, CountSignal] = OrderedDict()
_SIGNAL_CACHE_SIZE = 8
_SIGNAL_CACHE_LOCK = threading.Lock()


def _track_key(track: PoseTrack, exercise: str | None) -> tuple:
    """Identity of a track's content (``PoseTrack.content_digest``) and the exercise."""
    return (track.content_digest(), exercise_key(exercise) or "auto")


def prepare_signal(track: PoseTrack, exercise: str | None = None) -> CountSignal:
    """The signal to count on: the exercise preset's, or the ``auto`` one when None/"auto".

    Remembered for the last few tracks (keyed by their content), because it is the only
    step that works on the whole pose: counting the same track again with new counter
    settings then costs milliseconds, whoever calls (the CLI, a script, the dashboard).
    """
    # an array or a path failed deep inside ("no attribute 'content_digest'")
    if not isinstance(track, PoseTrack):
        raise TypeError(
            f"counting takes a PoseTrack, not {type(track).__name__}: make one with "
            "analysis.pose.read_track(path) (a video, or a .npz, .csv or .npy pose file) or "
            "PoseTrack.from_array(array, fps=...)"
        )
    key = _track_key(track, exercise)
    with _SIGNAL_CACHE_LOCK:  # the dashboard's sessions count in threads of one process
        if key in _SIGNAL_CACHE:
            _SIGNAL_CACHE.move_to_end(key)
            return _SIGNAL_CACHE[key]
    signal = _build_signal(track, exercise)  # outside the lock: another session need not wait
    with _SIGNAL_CACHE_LOCK:
        _SIGNAL_CACHE[key] = signal
        while len(_SIGNAL_CACHE) > _SIGNAL_CACHE_SIZE:
            _SIGNAL_CACHE.popitem(last=False)
    return signal


def _build_signal(track: PoseTrack, exercise: str | None) -> CountSignal:
    if len(track) == 0:  # every signal below is per frame: there is nothing to count on
        raise ValueError("the track has no frames to count")
    if exercise_key(exercise) is None:
        return auto_signal(track)
    preset = preset_for(exercise)
    return CountSignal(
        name=preset.signal_name,
        times=track.times,
        values=preset.signal(track),
        polarity=preset.polarity,
        # the swing a rep of this exercise must make, in degrees or torso lengths: not where
        # each frame was stretched to a box (RepCount's files), which changes both
        details={
            "exercise": exercise,
            "kind": preset.kind,
            "min_swing": None if scaled_per_frame(track) else preset.min_swing,
        },
        motion=BodyMotion.from_track(track),
    )


def _settings_for(method: str, signal: CountSignal, exercise: str | None, settings: dict) -> dict:
    """Defaults that depend on the signal (polarity, angle thresholds), then the user's."""
    params = COUNTERS[method]().get_params()
    out: dict = {k: v for k, v in signal.settings.items() if k in params}
    if "polarity" in params and method != "flow":
        out["polarity"] = signal.polarity
    if method == "hysteresis" and exercise and signal.details.get("kind") == "angle":
        preset = preset_for(exercise)
        out["down_below"], out["up_above"] = preset.down_below, preset.up_above
    if method == "adaptive":
        # two seconds of history whatever the frame rate
        out["n"] = int(round(2.0 * frame_rate(signal.times)))
    out.update(settings)
    return out


def _result(
    method: str,
    counter: BaseCounter,
    signal_name: str,
    times,
    values,
    motion: BodyMotion | None = None,
    min_swing: float | None = None,
) -> CountResult:
    # a counter that does not check a rep's return itself (``checks_return``): adaptive found
    # "reps" while the sample lifter stood, and one at the clip's last frame
    reps, gate = gate_reps(motion, list(counter.reps_), both_sides=not counter.checks_return)
    diagnostics = counter.diagnostics()
    if gate:
        diagnostics["gate"] = gate
    too_small = []
    if min_swing is not None and motion is not None:  # an exercise named: its joint must move
        reps, too_small = swing_gate(reps, times, values, min_swing)
        diagnostics["swing_gate"] = {"min_swing": min_swing, "dropped": [rep.to_dict() for rep in too_small]}
    if not reps:  # a bare 0 read as a failure of the page (Compare counters shows this)
        dropped = len(counter.reps_)
        unit = " degrees" if "angle" in signal_name else " torso lengths"
        diagnostics["none_because"] = diagnostics.get("none_because") or (
            f"{count_words(len(too_small), 'rep')} found, none swinging the {signal_name} by "
            f"{min_swing:g}{unit}: this clip does not look like this exercise"
            if too_small
            else f"{count_words(dropped, 'rep')} found, all too small a movement to be reps (body gate)"
            if dropped
            else "no rep found on this signal"
        )
    return CountResult(
        count=len(reps),
        reps=reps,
        method=method,
        signal_name=signal_name,
        times=np.asarray(times, dtype=float),
        signal=np.asarray(values, dtype=float),
        diagnostics=diagnostics,
        params=counter.get_params(),
        param_ranges=counter.param_ranges_for(values),
    )


def count_reps(
    track: PoseTrack | None,
    method: str = "auto",
    exercise: str | None = None,
    video_path=None,
    signal: CountSignal | None = None,
    flow: tuple[np.ndarray, np.ndarray] | None = None,
    gate: bool = True,
    **counter_settings,
) -> CountResult:
    """Count the reps of one track with one algorithm.

    Args:
        track: the pose track (may be None for ``method="flow"`` with a video).
        method: a name in ``COUNTERS`` or "auto" (= the recommended counter).
        exercise: a preset name, or None / "auto" to find the signal automatically.
        video_path: the clip, needed only by the optical-flow counter.
        signal: a ``prepare_signal`` result to reuse (skips the pose work).
        flow: a ``flow_signal`` result to reuse (skips the optical flow).
        gate: drop reps too small to be reps, measured on the body (``gate.py``: a
            still person gives 0, not a count of jitter). Pose counters only.
        **counter_settings: ``__init__`` keywords of the chosen estimator.
    """
    name = RECOMMENDED if method in (None, "auto") else method
    if name not in COUNTERS:
        raise ValueError(f"unknown method {method!r}; known: auto, {', '.join(COUNTERS)}")
    if name == "flow":
        if flow is None:
            if video_path is None:
                raise ValueError("the optical-flow counter reads pixels: give video_path=")
            flow = flow_signal(video_path, track)
        values, times = flow
        counter = FlowCounter(**counter_settings).fit(values, times)
        return _result(name, counter, "mean vertical optical flow in the person's box", times, values)
    if track is None and signal is None:
        raise ValueError(f"the {name} counter needs a pose track")
    sig = signal if signal is not None else prepare_signal(track, exercise)
    counter = COUNTERS[name](**_settings_for(name, sig, exercise, counter_settings))
    counter.fit(sig.values, sig.times)
    result = _result(
        name,
        counter,
        sig.name,
        sig.times,
        sig.values,
        sig.motion if gate else None,
        sig.details.get("min_swing"),
    )
    result.diagnostics["signal_period_s"] = sig.period_s
    result.diagnostics["signal_periodicity"] = sig.periodicity
    result.diagnostics["signal_details"] = dict(sig.details)
    return result


def compare_counters(
    track: PoseTrack | None,
    methods: list[str] | None = None,
    exercise: str | None = None,
    settings: dict[str, dict] | None = None,
    video_path=None,
    signal: CountSignal | None = None,
    flow: tuple[np.ndarray, np.ndarray] | None = None,
    gate: bool = True,
) -> dict[str, CountResult]:
    """Run several counters on one track; name -> ``CountResult``.

    The signal is prepared once and shared. A counter that cannot run (flow without a
    video, a failure on odd input) gets a result with ``count=0`` and ``error`` set,
    so one bad method never hides the others.
    """
    settings = settings or {}
    unknown = sorted(set(settings) - set(COUNTERS))
    if unknown:  # a misspelt method's settings were dropped without a word
        raise ValueError(f"settings for unknown method(s) {unknown}; known: {', '.join(COUNTERS)}")
    methods = list(methods) if methods else list(COUNTERS)
    sig = signal
    unprepared = None  # why the pose gives no signal: every pose counter then reports it
    if sig is None and track is not None and any(m != "flow" for m in methods):
        try:
            sig = prepare_signal(track, exercise)
        except ValueError as exc:
            if len(track):  # a bad exercise name is the caller's mistake, not the track's
                raise
            unprepared = exc
    out: dict[str, CountResult] = {}
    for name in methods:
        try:
            if unprepared is not None and name != "flow":
                raise unprepared
            if name == "flow" and flow is None and video_path is None:
                raise ValueError("unavailable: the optical-flow counter needs the video (video_path=)")
            out[name] = count_reps(
                track,
                name,
                exercise,
                video_path=video_path,
                signal=sig,
                flow=flow,
                gate=gate,
                **settings.get(name, {}),
            )
        except (ValueError, RepLabError) as exc:  # report, do not crash the comparison; a bug does
            out[name] = CountResult(
                count=0, reps=[], method=name, signal_name=sig.name if sig else "",
                times=np.zeros(0), signal=np.zeros(0), error=str(exc),
            )  # fmt: skip
    return out


def find_reps(signal, times, method: str = "peaks", **settings) -> tuple[np.ndarray, dict]:
    """The reps of a plain series, shaped like ``scipy.signal.find_peaks``'s answer: the
    index of each rep's turning point (its "bottom"), and a dict of properties.

    ``signal`` and ``times`` are plain arrays (seconds); ``method`` names one of
    ``COUNTERS`` and ``settings`` are its ``__init__`` keywords. The properties are one
    entry per rep, ``starts`` and ``ends`` (indices) and ``start_s``, ``bottom_s``,
    ``end_s`` (seconds), plus everything the counter learned (``prominence``,
    ``period_s``, ``states``...: its attributes ending in ``_``, without the ``_``). For a
    script that wants events from an array without building an estimator or a track.
    """
    if method not in COUNTERS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(COUNTERS)}")
    counter = COUNTERS[method](**settings).fit(signal, times)
    t = check_series(signal, times)[1]

    def index(times_s: list[float]) -> np.ndarray:
        return np.array([int(np.argmin(np.abs(t - v))) for v in times_s], dtype=int)

    reps = counter.reps_
    properties = {
        "starts": index([r.start_s for r in reps]),
        "ends": index([r.end_s for r in reps]),
        "start_s": np.array([r.start_s for r in reps], dtype=np.float64),
        "bottom_s": np.array([r.bottom_s for r in reps], dtype=np.float64),
        "end_s": np.array([r.end_s for r in reps], dtype=np.float64),
    }
    for name, value in counter.diagnostics().items():
        properties.setdefault(name, value)
    return index([r.bottom_s for r in reps]), properties


def count_record(path, main: CountResult, results: dict[str, CountResult], method: str = "auto") -> dict:
    """A count as ``python -m analysis count --json`` prints it and ``batch`` stores it
    (``counts.json``): the path, ``main``'s count, signal and reps, every counter's count in
    ``results`` (None where one failed), and why nothing was counted when nothing was.
    One builder for both: they had grown the same dict side by side."""
    record = {
        "path": os.fspath(path),
        "count": int(main.count),
        "method": method,
        "signal": main.signal_name,
        "reps": [rep.to_dict() for rep in main.reps],
        "algorithms": {name: (None if r.error else int(r.count)) for name, r in results.items()},
    }
    if main.count == 0 and main.diagnostics.get("none_because"):
        # why none: a curl counted as squats said only "0 reps" (review P)
        record["none_because"] = main.diagnostics["none_because"]
    return record
