"""MediaPipe is imported without matplotlib, OpenCV and sounddevice, which still work afterwards."""

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (module state is what is being tested)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_mediapipe_imports_without_matplotlib_and_pyplot_loads_on_first_use():
    out = _run(
        """
        import sys
        from analysis.mediapipe_import import import_mediapipe
        mp = import_mediapipe()
        loaded_with_mediapipe = "matplotlib" in sys.modules
        assert mp.solutions.pose.Pose is not None
        from mediapipe.python.solutions import drawing_utils
        figure = drawing_utils.plt.figure  # the stand-in imports the real pyplot here
        import matplotlib.pyplot as plt
        print(loaded_with_mediapipe, figure is plt.figure, type(sys.modules["matplotlib"]).__name__)
        """
    )
    assert out == "False True module"


def test_opencv_and_sounddevice_load_on_first_use():
    out = _run(
        """
        import sys
        from analysis.mediapipe_import import import_mediapipe
        import_mediapipe()
        loaded = [name for name in ("cv2", "sounddevice") if name in sys.modules]
        from mediapipe.python.solutions import drawing_utils
        from mediapipe.tasks.python.audio.core import audio_record
        blur = drawing_utils.cv2.GaussianBlur  # the stand-in imports the real cv2 here
        import cv2

        def outcome(get):  # sounddevice needs PortAudio, which a machine may lack
            try:
                return get().__name__
            except OSError as exc:
                return f"OSError: {exc}"

        deferred = outcome(lambda: audio_record.sd.query_devices)
        direct = outcome(lambda: __import__("sounddevice").query_devices)
        print(loaded, blur is cv2.GaussianBlur, deferred == direct, type(sys.modules["cv2"]).__name__)
        """
    )
    assert out == "[] True True module"


def test_matplotlib_imported_first_is_left_alone():
    out = _run(
        """
        import matplotlib.pyplot as plt
        from analysis.mediapipe_import import import_mediapipe
        import_mediapipe()
        from mediapipe.python.solutions import drawing_utils
        print(drawing_utils.plt is plt)
        """
    )
    assert out == "True"
