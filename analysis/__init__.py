"""RepLab's library: pose tracks, rep counting and squat form, with no UI code.

Streamlit lives in ``app.py`` and ``pages/`` only; everything here is plain Python that
the app, the CLI (``python -m analysis``), the tests and the benchmarks share.

Start here (from the repository's folder; one ``PoseTrack`` flows through every step)::

    from analysis.pose import read_track                 # any video or pose file -> PoseTrack
    from analysis.counting import count_reps, find_reps  # PoseTrack -> CountResult (.count, .reps)
    from analysis.form import assess_squat_reps          # PoseTrack + reps -> one RepVerdict per rep

    track = read_track("clip.mp4")                 # or a .npz/.csv/.npy pose file (fps= for a .npy)
    result = count_reps(track)                     # result.reps[i].start_s, .bottom_s, .end_s
    verdicts = assess_squat_reps(track, count_reps(track, exercise="squat"))
    bottoms, properties = find_reps(result.signal, result.times)  # as scipy.signal.find_peaks

The counters themselves (``analysis.counting.PeakCounter`` and the others) are scikit-learn
estimators on a plain signal, e.g. the one ``count_reps`` uses::

    from analysis.counting import PeakCounter, prepare_signal
    sig = prepare_signal(track)
    reps = PeakCounter(prominence_ratio=0.4).fit(sig.values, sig.times).reps_
"""

from analysis.errors import PoseError, RepLabError, VideoError
from analysis.track import PoseTrack, load_track

__all__ = ["PoseError", "PoseTrack", "RepLabError", "VideoError", "load_track"]
