"""Content-addressed cache of pose tracks.

The pose pass is the only expensive step, so its result is stored under a key made of
the clip's content hash and the extraction settings. Renaming or re-uploading the same
bytes finds the stored track; changing a setting that affects landmarks makes a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
import zlib
from pathlib import Path

from analysis.track import PoseTrack

CACHE_ENV = "REPLAB_CACHE_DIR"
_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """``$REPLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/replab``, else ``~/.cache/replab``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "replab"


def file_hash(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (never the whole file at once)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def settings_key(content_hash: str, settings: dict) -> str:
    """Cache key for a clip's bytes plus the settings that change its landmarks."""
    blob = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(f"{content_hash}|{blob}".encode()).hexdigest()[:32]


class TrackCache:
    """A folder of ``<key>.npz`` tracks. Writes are atomic; unreadable entries are ignored.

    The cache only saves time: a track that cannot be stored (a read-only or full disk)
    is still returned to the caller, with a warning, instead of failing a finished pose pass.
    """

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory else default_cache_dir()

    def path_for(self, key: str) -> Path:
        return self.directory / f"{key}.npz"

    def get(self, key: str) -> PoseTrack | None:
        path = self.path_for(key)
        if not path.exists():
            return None
        try:
            return PoseTrack.load(path)
        # a damaged or older-format entry is a miss, not a failure (then overwritten); anything
        # else is a bug, which would otherwise re-run the pose model on every clip unsaid.
        # Damage inside the archive is zlib's error (review L: bytes zeroed by a bad copy).
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
            return None

    def put(self, key: str, track: PoseTrack) -> bool:
        """Store a track; False (and a warning) when the folder cannot take it."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            track.save(self.path_for(key))
        except OSError as exc:
            warnings.warn(f"pose cache {self.directory}: the track was not stored ({exc})", stacklevel=2)
            return False
        return True
