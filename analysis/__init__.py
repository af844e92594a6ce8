"""RepLab's library: pose tracks, rep counting and squat form, with no UI code.

Streamlit lives in ``app.py`` and ``pages/`` only; everything here is plain Python that
the app, the CLI (``python -m analysis``), the tests and the benchmarks share.

Start here (from the repository's folder; one ``PoseTrack`` flows through every step)::

    from analysis import load_track                  # .npz / .csv / .npy pose file -> PoseTrack
    from analysis.pose import extract_pose           # video -> PoseTrack (cached by content)
    from analysis.counting import count_reps         # PoseTrack -> CountResult (.count, .reps)
    from analysis.form import assess_squat_reps      # PoseTrack + reps -> one RepVerdict per rep

    track = load_track("poses.npy", fps=30)           # or extract_pose("clip.mp4")
    result = count_reps(track)                        # result.reps[i].start_s, .bottom_s, .end_s
    verdicts = assess_squat_reps(track, count_reps(track, exercise="squat").reps)

The counters themselves (``analysis.counting.PeakCounter`` and the others) are scikit-learn
estimators on a plain signal, e.g. the one ``count_reps`` uses::

    from analysis.counting import PeakCounter, prepare_signal
    sig = prepare_signal(track)
    reps = PeakCounter(prominence_ratio=0.4).fit(sig.values, sig.times).reps_
"""

from analysis.errors import PoseError, RepLabError, VideoError
from analysis.track import PoseTrack, load_track

__all__ = ["PoseError", "PoseTrack", "RepLabError", "VideoError", "load_track"]
