"""Running the pose model over a clip: in one pass, or in time chunks at once.

One MediaPipe graph keeps one core busy, so ``extract --workers 2`` cuts the clip into
time chunks, each with its own decoder and graph, run in threads of this process
(MediaPipe and FFmpeg release the GIL while they work).

MediaPipe's tracker depends on its own past: the crop it analyses comes from the previous
frame's landmarks. A chunk that starts in the middle of a clip starts from a fresh
detection, so each later chunk first analyses half a second before its boundary
(the warm-up). On 7 of the 17 real clips long enough for two chunks its landmarks have
settled onto the earlier chunk's by then, on most others within a few tenths of a second
more. Not on all: on a head-on push-up clip the two stayed up to a fifth of the picture
apart for seven seconds, and the joined track counted 4 push-ups where the single pass
counted 5 (docs/performance.md, "Hand-over").

So a chunk hands over to the next only where the two agree (nine in ten landmarks within
``HANDOFF_TOL``, all within ``HANDOFF_MAX``, on ``HANDOFF_FRAMES`` frames in a row). When
the warm-up has settled, the earlier chunk's last frames already agree with the later
chunk's warm-up and the boundary stays where it was, at no cost. When it has not, the
earlier chunk's graph runs on past its boundary, as a single pass would, until its
landmarks meet the later chunk's; the joined track then follows the single pass, at the
price of analysing that stretch twice (never more than the whole later chunk).

The boundaries depend only on the file (duration and keyframes) and the hand-over only on
the landmarks, so the same clip always gives the same track, whatever the load.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator

import numpy as np

from analysis.track import N_LANDMARKS
from analysis.video import Frame, iter_frames, keyframe_lookup

ProgressFn = Callable[[int, int], None]  # (frames done, frames expected)

WARMUP_S = 0.5
# Decoding a 720p frame without analysing it costs 0.7-0.8 ms against 11-13 ms for a frame
# the model sees (bench/speed.py, "where a frame's time goes").
PREROLL_DECODE_SHARE = 0.07
# Two chunks' landmarks agree when nine in ten of the landmarks both see (visibility >= 0.5)
# are within this share of the picture's width and height (0.01 = 6 px at the model's 640 px
# input), and every one within ``HANDOFF_MAX``, on this many frames in a row. Where the
# warm-up settled, the chunks differ by 0.001-0.006 (docs/performance.md). Every landmark
# within 0.01 was asked before: one jittering hand or toe (0.011-0.033, the rest within
# 0.005) then kept the earlier chunk running on alone, 0.2-0.9 s on 5 of the 17 real clips
# long enough for two chunks, time added to the whole run; a different fit of the body
# (the head-on push-up) is off by 0.03-0.10 on its nine-in-ten landmarks.
HANDOFF_TOL = 0.01
HANDOFF_SHARE = 0.9
HANDOFF_MAX = 0.03
HANDOFF_FRAMES = 3
# names the rule in the cache key of a chunked track (``pose.track_key``): a change of rule
# changes such tracks, never a single pass's
HANDOFF_RULE = (
    f"{HANDOFF_SHARE:g} within {HANDOFF_TOL:g}, all within {HANDOFF_MAX:g}, {HANDOFF_FRAMES} frames"
)
_PROGRESS_EVERY = 10


class _Rows:
    """Landmarks of the frames a chunk analysed, in arrays grown geometrically."""

    def __init__(self):
        self.n = 0
        self.times = np.empty(256, dtype=np.float64)
        self.image = np.empty((256, N_LANDMARKS, 3), dtype=np.float32)
        self.visibility = np.empty((256, N_LANDMARKS), dtype=np.float32)
        self.world = np.empty((256, N_LANDMARKS, 3), dtype=np.float32)

    def append(self, time_s: float, result) -> None:
        if self.n == len(self.times):  # a long clip's arrays, never its frames
            size = 2 * self.n
            self.times, self.image, self.visibility, self.world = (
                np.resize(a, (size, *a.shape[1:]))
                for a in (self.times, self.image, self.visibility, self.world)
            )
        self.times[self.n] = time_s
        if result is None:
            self.image[self.n], self.visibility[self.n], self.world[self.n] = np.nan, np.nan, np.nan
        else:
            self.image[self.n], self.visibility[self.n], self.world[self.n] = result
        self.n += 1

    def find(self, time_s: float) -> int | None:
        """Index of the row analysed at ``time_s`` (times are the decoder's, so exact)."""
        i = int(np.searchsorted(self.times[: self.n], time_s - 1e-6))
        return i if i < self.n and abs(self.times[i] - time_s) < 1e-6 else None

    def arrays(self, lo_s: float = -np.inf, hi_s: float = np.inf) -> dict:
        keep = (self.times[: self.n] >= lo_s - 1e-6) & (self.times[: self.n] < hi_s - 1e-6)
        return {"times": self.times[: self.n][keep], "landmarks": self.image[: self.n][keep],
                "visibility": self.visibility[: self.n][keep], "world": self.world[: self.n][keep]}  # fmt: skip


def landmarks_agree(rows_a: _Rows, i: int, rows_b: _Rows, j: int, tol: float | None = None) -> bool:
    """Whether row ``i`` of one chunk and row ``j`` of another show the same pose.

    Both without a person agree; one without does not. Otherwise, of the landmarks both see
    (visibility >= 0.5; all of them when fewer than three are), ``HANDOFF_SHARE`` must lie
    within ``tol`` and every one within ``HANDOFF_MAX``.
    """
    a, b = rows_a.image[i, :, :2], rows_b.image[j, :, :2]
    found_a, found_b = bool(np.isfinite(a).all()), bool(np.isfinite(b).all())
    if not (found_a and found_b):
        return found_a == found_b
    seen = (rows_a.visibility[i] >= 0.5) & (rows_b.visibility[j] >= 0.5)
    if seen.sum() < 3:
        seen[:] = True
    offsets = np.abs(a[seen] - b[seen]).max(axis=1)
    within = np.mean(offsets <= (HANDOFF_TOL if tol is None else tol))
    return bool(within >= HANDOFF_SHARE and offsets.max() <= HANDOFF_MAX)


class ChunkRun:
    """One chunk's decoder, pose graph and landmarks: its own range, then on past it.

    ``analyse`` runs the warm-up (kept apart, for the hand-over check) and the chunk's own
    frames ``[start_s, end_s)``; ``hand_over`` finds where the next chunk takes over,
    running this chunk's graph past ``end_s`` when needed.
    """

    def __init__(self, path: str, make_backend: Callable, start_s: float, end_s: float | None, *,
                 fps: float, stride: int = 1, max_side: int | None = None, decode_threads: bool = True,
                 warmup_s: float = WARMUP_S):  # fmt: skip
        self.path, self.start_s, self.end_s, self.warmup_s = path, start_s, end_s, warmup_s
        self.fps, self.stride, self.max_side, self.decode_threads = fps, stride, max_side, decode_threads
        self._make_backend = make_backend
        self.warm, self.own, self.extra = _Rows(), _Rows(), _Rows()
        self.handoff_s = np.inf  # frames from here on come from the chunk that takes over
        self._backend = None
        self._frames: Iterator[Frame] | None = None
        self._pending: Frame | None = None  # the first frame past end_s, decoded already

    def _skips(self, frame: Frame) -> bool:
        # the stride counts frames from the clip's start (not the chunk's), so every
        # chunk keeps the same frames a single pass keeps
        return self.stride > 1 and int(round(frame.time_s * self.fps)) % self.stride != 0

    def analyse(self, report: Callable[[int], None], stop: threading.Event | None = None) -> None:
        """Warm up, then analyse the chunk's own frames; a set ``stop`` ends it early."""
        self._backend = self._make_backend()
        warm_from = max(0.0, self.start_s - self.warmup_s) if self.start_s > 0 else 0.0
        self._frames = iter_frames(
            self.path, warm_from, None, max_side=self.max_side, threads=self.decode_threads
        )
        done = 0
        for frame in self._frames:
            if stop is not None and stop.is_set():
                break
            if self.end_s is not None and frame.time_s >= self.end_s - 1e-6:
                self._pending = frame
                break
            own = frame.time_s >= self.start_s - 1e-6
            if self._skips(frame):
                done += own
                continue
            result = self._backend.process(frame.rgb, frame.time_s)
            (self.own if own else self.warm).append(frame.time_s, result)
            done += own
            if done >= _PROGRESS_EVERY:
                report(done)
                done = 0
        report(done)

    def hand_over(self, chunks: list[ChunkRun], ready: list[threading.Event],
                  stop: threading.Event | None = None) -> None:  # fmt: skip
        """Set ``handoff_s``: where the later chunks' landmarks meet this chunk's.

        First the later chunk's warm-up is compared with this chunk's last frames; when
        they agree the boundary stays at ``end_s``. Otherwise this chunk's graph goes on
        frame by frame, each compared with the chunk whose own range holds it (waiting
        until that chunk has analysed its range), until ``HANDOFF_FRAMES`` in a row agree.
        """
        if self.end_s is None:
            return
        later = next(c for c in chunks if c.start_s >= self.end_s - 1e-6)
        ready[chunks.index(later)].wait()
        tail = list(range(max(0, self.own.n - HANDOFF_FRAMES), self.own.n))
        matches = [later.warm.find(self.own.times[i]) for i in tail]
        if len(tail) == HANDOFF_FRAMES and all(
            j is not None and landmarks_agree(self.own, i, later.warm, j) for i, j in zip(tail, matches)
        ):
            self.handoff_s = self.end_s
            return
        run = 0
        frames = iter(self._frames) if self._pending is None else _chain(self._pending, self._frames)
        for frame in frames:
            if stop is not None and stop.is_set():
                return
            if self._skips(frame):
                continue
            self.extra.append(frame.time_s, self._backend.process(frame.rgb, frame.time_s))
            owner = _owner(chunks, frame.time_s)
            ready[chunks.index(owner)].wait()
            j = owner.own.find(frame.time_s)
            agree = j is not None and landmarks_agree(self.extra, self.extra.n - 1, owner.own, j)
            run = run + 1 if agree else 0
            if run == HANDOFF_FRAMES:
                self.handoff_s = frame.time_s  # the owner's frames from this one on
                return

    def close(self) -> None:
        if self._frames is not None:
            self._frames.close()
        if self._backend is not None:
            self._backend.close()


def _chain(first: Frame, rest: Iterator[Frame]) -> Iterator[Frame]:
    yield first
    yield from rest


def _owner(chunks: list[ChunkRun], time_s: float) -> ChunkRun:
    """The chunk whose own range holds ``time_s``."""
    return [c for c in chunks if c.start_s <= time_s + 1e-6][-1]


def join_chunks(chunks: list[ChunkRun]) -> dict:
    """The joined track's arrays: each chunk's frames up to its hand-over, then the owner's."""
    pieces, time_s, chunk = [], chunks[0].start_s, chunks[0]
    while True:
        for rows in (chunk.own, chunk.extra):
            pieces.append(rows.arrays(time_s, chunk.handoff_s))
        if not np.isfinite(chunk.handoff_s):
            break
        time_s, chunk = chunk.handoff_s, _owner(chunks, chunk.handoff_s)
    return {key: np.concatenate([p[key] for p in pieces]) for key in pieces[0]}


def analyse_clip(
    path: str,
    make_backend: Callable,
    starts: list[float],
    total: int,
    progress: ProgressFn | None,
    *,
    fps: float,
    stride: int = 1,
    max_side: int | None = None,
    warmup_s: float = WARMUP_S,
) -> tuple[dict, list[float]]:
    """Analyse a clip in the chunks beginning at ``starts``; returns (arrays, hand-over times).

    One chunk runs on the calling thread with FFmpeg's decoding threads. Several run in
    threads of this process, one per chunk: a process version, whose boundaries had to wait
    for a second interpreter to start, was no faster (docs/performance.md). Progress is
    forwarded to the calling thread, so a Streamlit progress bar is updated from the
    script's own thread.
    """
    ends = [*starts[1:], None]
    if len(starts) == 1:
        counter = {"done": 0}

        def report(n: int) -> None:
            counter["done"] += n
            if progress:
                progress(min(counter["done"], total), total)

        chunk = ChunkRun(path, make_backend, 0.0, None, fps=fps, stride=stride, max_side=max_side)
        try:
            chunk.analyse(report)
        finally:
            chunk.close()
        return chunk.own.arrays(), []

    chunks = [ChunkRun(path, make_backend, s, e, fps=fps, stride=stride, max_side=max_side, decode_threads=False,
                       warmup_s=warmup_s) for s, e in zip(starts, ends)]  # fmt: skip
    ready = [threading.Event() for _ in chunks]
    messages: queue.Queue = queue.Queue()
    stop = threading.Event()

    def run(i: int) -> None:
        try:
            chunks[i].analyse(lambda n: messages.put(("progress", n)), stop=stop)
            ready[i].set()
            chunks[i].hand_over(chunks, ready, stop=stop)
            messages.put(("done", i))
        except BaseException as exc:  # raised on the calling thread; the other chunks are stopped
            messages.put(("error", exc))
        finally:
            ready[i].set()  # never leave an earlier chunk waiting
            chunks[i].close()

    threads = [
        threading.Thread(target=run, args=(i,), name=f"pose-chunk-{i}", daemon=True)
        for i in range(len(chunks))
    ]
    for thread in threads:
        thread.start()
    done, finished, error = 0, 0, None
    try:
        while finished < len(threads) and error is None:
            kind, value = messages.get()
            if kind == "progress":
                done += value
                if progress:  # never "complete" while a hand-over may still be analysing
                    progress(min(done, total - 1), total)
            elif kind == "done":
                finished += 1
            else:
                error = value
    finally:
        # stop what still runs: the other chunks after one failed, and every chunk after Ctrl-C
        # (or a progress callback's error) on this thread; they had analysed the rest of the
        # clip before ``extract`` could exit (review P: interrupted at 4 s, it exited at 12.5 s)
        stop.set()
        for thread in threads:
            thread.join()
    if error is not None:
        # the chunk's own exception, with its traceback: a bad file stays one plain
        # ``RepLabError`` line, and a bug in the code is not passed off as the user's input
        # (as one chunk on the calling thread, which raises it directly)
        raise error
    return join_chunks(chunks), [c.handoff_s for c in chunks[:-1]]


def plan_chunks(
    position_s: float,
    end_s: float,
    n_chunks: int,
    warmup_s: float = WARMUP_S,
    min_chunk_s: float = 2.0,
    keyframe_before: Callable[[float], float] | None = None,
    preroll_share: float = PREROLL_DECODE_SHARE,
) -> list[float]:
    """Start times of the chunks after the first, which begins at ``position_s``; the clip's
    frames run to ``end_s`` (a time, not a length).

    Chunks are sized to take the same time. Every later chunk first analyses ``warmup_s``
    of frames it does not keep, and before that decodes (without analysing) the frames
    from the keyframe its seek lands on: ``keyframe_before(t)`` gives that keyframe's time
    and ``preroll_share`` what decoding a frame costs against analysing one. A clip with
    one keyframe every 8 s, or only one at all, would otherwise leave the later chunk
    several seconds of decoding behind. Fewer chunks are used when each would be shorter
    than ``min_chunk_s`` (the warm-up would not pay). Returns an empty list when the clip
    should be one chunk. Boundaries depend only on the clip, so a clip always gives the
    same track.
    """
    remaining = end_s - position_s
    for m in range(max(1, n_chunks), 1, -1):
        extra = [warmup_s] * (m - 1)  # work of each later chunk beyond its own frames
        for _ in range(20):  # the keyframes depend on the boundaries: settle them in turn
            length = (remaining + sum(extra)) / m  # the first chunk's length, and the work of each
            starts = list(position_s + length + np.cumsum([0.0, *(length - e for e in extra[:-1])]))
            if keyframe_before is None:
                break
            settled = extra
            extra = [
                warmup_s + preroll_share * max(0.0, s - warmup_s - keyframe_before(s - warmup_s))
                for s in starts
            ]
            if np.allclose(extra, settled, atol=1e-4):
                break
        if length - max(extra) >= min_chunk_s:
            return starts
    return []


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, not just the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_plan(
    path: str, duration_s: float, workers: int, warmup_s: float = WARMUP_S, start_s: float = 0.0
) -> list[float]:
    """Start times of the time chunks analysed at once (``[0.0]`` = one pass).

    ``start_s`` is the clip's first frame time (``VideoInfo.start_s``): the chunks share
    the frames from there to ``start_s + duration_s`` (an edited clip starting at 3 s gave
    the first chunk 1.5 s of a 10 s clip when the split was planned from 0).
    """
    n_chunks = int(workers)  # not capped by the cores: the same file gets the same plan anywhere
    if n_chunks < 2:
        return [0.0]
    with keyframe_lookup(path) as keyframe_before:
        later = plan_chunks(
            start_s, start_s + duration_s, n_chunks, warmup_s, keyframe_before=keyframe_before
        )
        return [0.0, *later]
