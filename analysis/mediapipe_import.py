"""Import MediaPipe without the matplotlib it loads only for a plotting helper.

``mediapipe/__init__`` imports ``solutions.drawing_utils``, which imports
``matplotlib.pyplot`` at its top for ``plot_landmarks``, a function RepLab never calls.
That is 0.2-0.25 s of every process that runs the pose model, about half of
MediaPipe's import and, for ``python -m analysis extract`` on a 30 s clip with two
chunks, a few per cent of the whole run (batch workers pay it once each too).
"""

from __future__ import annotations

import importlib
import sys
import threading
import types

_LOCK = threading.Lock()


class _PyplotOnFirstUse(types.ModuleType):
    """Stands in for ``matplotlib.pyplot`` inside drawing_utils; imports it when used."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):  # the import system's own probes must not load it
            raise AttributeError(attr)
        return getattr(importlib.import_module("matplotlib.pyplot"), attr)


def import_mediapipe() -> types.ModuleType:
    """``import mediapipe``, with stand-ins for matplotlib only while it runs.

    The stand-ins leave ``sys.modules`` as soon as MediaPipe is imported, so any later
    ``import matplotlib`` gets the real package. When matplotlib is already loaded (or
    MediaPipe is), this is a plain import.
    """
    with _LOCK:
        if "mediapipe" in sys.modules or "matplotlib" in sys.modules:
            import mediapipe

            return mediapipe
        pyplot = _PyplotOnFirstUse("matplotlib.pyplot")
        package = types.ModuleType("matplotlib")
        package.pyplot = pyplot  # ``import matplotlib.pyplot as plt`` reads this attribute
        stand_ins = {"matplotlib": package, "matplotlib.pyplot": pyplot}
        sys.modules.update(stand_ins)
        try:
            import mediapipe
        finally:
            for name, module in stand_ins.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
        return mediapipe
