"""Import MediaPipe without the modules it loads only for helpers RepLab never calls.

``mediapipe/__init__`` imports everything it has. Three of those imports load large
packages at the top of a module for functions RepLab does not use:

- ``solutions.drawing_utils`` imports ``matplotlib.pyplot`` (for ``plot_landmarks``) and
  ``cv2`` (for drawing on images; RepLab draws with its own code);
- ``tasks.python.audio.core.audio_record`` imports ``sounddevice`` (microphone input).

Together they are 0.25-0.3 s of every process that runs the pose model (matplotlib alone
0.2-0.25 s; OpenCV and sounddevice 15-20 ms each, ``python -X importtime``). For
``python -m analysis extract`` on a 30 s clip with two chunks that is a few per cent of the
whole run, more on a short clip, and batch workers pay it once each too.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types

_LOCK = threading.Lock()
# MediaPipe's imports that RepLab never uses at import time; each is loaded on first use
LAZY_MODULES = ("matplotlib.pyplot", "cv2", "sounddevice")


class _ModuleOnFirstUse(types.ModuleType):
    """Stands in for a module inside MediaPipe; imports the real one when it is used."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):  # the import system's own probes must not load it
            raise AttributeError(attr)
        return getattr(importlib.import_module(self.__name__), attr)


def _stand_ins() -> dict[str, types.ModuleType]:
    """Stand-ins for the lazy modules not loaded yet (a loaded one is left as it is)."""
    stand_ins: dict[str, types.ModuleType] = {}
    for name in LAZY_MODULES:
        top = name.split(".")[0]
        if top in sys.modules:
            continue
        module = _ModuleOnFirstUse(name)
        if name != top:  # ``import matplotlib.pyplot as plt`` reads the package's attribute
            package = types.ModuleType(top)
            setattr(package, name.split(".", 1)[1], module)
            stand_ins[top] = package
        stand_ins[name] = module
    return stand_ins


def import_mediapipe() -> types.ModuleType:
    """``import mediapipe``, with stand-ins for the lazy modules only while it runs.

    The stand-ins leave ``sys.modules`` as soon as MediaPipe is imported, so any later
    ``import matplotlib`` (or ``cv2``) gets the real package. When MediaPipe is loaded
    already, this is a plain import.
    """
    with _LOCK:
        if "mediapipe" in sys.modules:
            import mediapipe

            return mediapipe
        stand_ins = _stand_ins()
        sys.modules.update(stand_ins)
        try:
            import mediapipe
        finally:
            for name, module in stand_ins.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
        return mediapipe
