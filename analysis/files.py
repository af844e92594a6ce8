"""Writing files so that a reader never sees half of one.

Every output (a pose track, a CSV export, a rendered video, a batch result, a report) is
written under a temporary name beside its target and renamed into place when whole: a
rename within a folder is atomic, so a run killed half way leaves the old file or none,
never a shorter one that reads back without complaint. The temporary name belongs to the
writing process and thread: with one shared name, two writers of the same target (two
processes storing one cache entry, two browser tabs rendering one clip) took each other's
file at the rename.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def temp_name(path: str | os.PathLike, suffix: str = "") -> str:
    """A hidden name beside ``path`` that no other writer uses; ``suffix`` keeps a writer
    that goes by the extension (numpy's ``.npz``) from adding its own."""
    path = Path(path)
    return str(path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp{suffix}"))


def remove_quietly(path: str | os.PathLike) -> None:
    """Remove a temporary file left by a failed write (gone already after a rename)."""
    with contextlib.suppress(OSError):
        os.remove(path)


@contextlib.contextmanager
def replaced(path: str | os.PathLike, suffix: str = "") -> Iterator[str]:
    """Yield a temporary name to write; renamed to ``path`` if the block ends normally,
    removed otherwise."""
    tmp = temp_name(path, suffix)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        remove_quietly(tmp)


def write_text(path: str | os.PathLike, text: str) -> None:
    """``text`` (UTF-8) to ``path``, whole or not at all."""
    with replaced(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


# UTF-8 with a byte-order mark, for CSVs people open in a spreadsheet. Read them back with
# this encoding too: it drops the mark, where plain "utf-8" leaves it on the first column's name.
SPREADSHEET_ENCODING = "utf-8-sig"


def for_spreadsheets(csv_text: str) -> bytes:
    """A CSV meant for a spreadsheet, as UTF-8 with a byte-order mark: without one, Excel on
    Windows reads the file in the local code page and "Zoë Müller" comes out as "ZoÃ« MÃ¼ller".

    The one rule for every such file (the History export, batch's ``summary.csv`` and
    ``verdicts.csv``, the pages' CSV downloads). Files meant for programs (a pose track's CSV,
    which ``count`` reads back) and CSV printed on stdout (piped into another program) stay
    without the mark."""
    return csv_text.encode(SPREADSHEET_ENCODING)


def write_spreadsheet_csv(path: str | os.PathLike, csv_text: str) -> None:
    """``csv_text`` to ``path`` as ``for_spreadsheets`` encodes it, whole or not at all."""
    with replaced(path) as tmp:
        Path(tmp).write_bytes(for_spreadsheets(csv_text))


def remove_stale_files(folder: str | os.PathLike, max_age_s: float) -> int:
    """Delete the plain files in ``folder`` untouched for ``max_age_s``; returns how many.

    For folders of things made again when asked for (renders) or left behind by a session
    that ended (recordings): a file being written is touched every frame, so never stale.
    """
    cutoff, removed = time.time() - max_age_s, 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                remove_quietly(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def try_lock(handle, wait: bool = False) -> bool:
    """Take an exclusive OS lock on the open file ``handle``: False when another process holds
    it. Closing the file, or the process ending, however it ends, lets go. With ``wait``, wait
    for a holder that only tests the lock for a moment (``recording.is_held``). True also when
    the file system cannot lock at all (some network shares): the caller goes on unguarded.

    Windows locks from the file's position: every caller locks the first byte.
    """
    try:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except (BlockingIOError, PermissionError):  # held by another process
        return False
    except OSError:  # no locks here (e.g. ENOLCK on a network share)
        return True
    return True
