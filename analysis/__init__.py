"""RepLab's library: pose tracks, rep counting and squat form, with no UI code.

Streamlit lives in ``app.py`` and ``pages/`` only; everything here is plain Python that
the app, the CLI (``python -m analysis``), the tests and the benchmarks share.
"""

from analysis.errors import PoseError, RepLabError, VideoError
from analysis.track import PoseTrack, load_track

__all__ = ["PoseError", "PoseTrack", "RepLabError", "VideoError", "load_track"]
