"""Parallel pose extraction (time chunks analysed at once) against a single pass.

A chunk's tracker starts cold, so each later chunk analyses a warm-up it does not keep,
and a chunk hands over to the next only where their landmarks agree; the joined track
must then agree with a single pass on every frame, and carry exactly the same timestamps.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from analysis.cache import TrackCache
from analysis.pose import PoseSettings, extract_pose, plan_chunks, usable_cores
from analysis.pose_chunks import HANDOFF_MAX, HANDOFF_TOL, ChunkRun, join_chunks, landmarks_agree

CLIP = "pushup_diagonal_dollarpy_2.mp4"  # 20 s, 1280x720, 25 frames/s


def test_plan_gives_the_first_chunk_the_others_warm_up_and_covers_the_rest():
    starts = plan_chunks(position_s=3.0, end_s=23.0, n_chunks=2, warmup_s=1.0, min_chunk_s=2.0)
    assert len(starts) == 1
    first_len, worker_len = starts[0] - 3.0, 23.0 - starts[0]
    assert first_len == pytest.approx(worker_len + 1.0)  # same work: the later chunk also warms up
    three = plan_chunks(position_s=0.0, end_s=31.0, n_chunks=3, warmup_s=1.0)
    assert np.allclose(np.diff([*three, 31.0]), 10.0) and three[0] == pytest.approx(11.0)


def test_plan_gives_a_later_chunk_less_video_when_its_seek_lands_far_back():
    """A clip with one keyframe: the later chunk decodes from the start before its warm-up."""
    plain = plan_chunks(position_s=0.0, end_s=30.0, n_chunks=2, warmup_s=0.5)
    one_keyframe = plan_chunks(
        position_s=0.0, end_s=30.0, n_chunks=2, warmup_s=0.5, keyframe_before=lambda t: 0.0,
        preroll_share=0.1,
    )  # fmt: skip
    boundary = one_keyframe[0]
    assert boundary > plain[0]
    later_work = (30.0 - boundary) + 0.5 + 0.1 * (boundary - 0.5)
    assert boundary == pytest.approx(later_work, abs=1e-3)  # both chunks take the same time
    keyframe_at_warmup = plan_chunks(
        position_s=0.0, end_s=30.0, n_chunks=2, warmup_s=0.5, keyframe_before=lambda t: t
    )
    assert keyframe_at_warmup == pytest.approx(plain)  # nothing to decode before the warm-up


def test_plan_uses_fewer_chunks_when_too_little_is_left():
    assert plan_chunks(position_s=8.0, end_s=10.0, n_chunks=2) == []
    assert len(plan_chunks(position_s=0.0, end_s=8.0, n_chunks=4, warmup_s=1.0, min_chunk_s=2.0)) == 2


def _chunk(start_s, end_s, own_times, extra_times=(), handoff_s=np.inf, offset=0.0):
    """A chunk with landmarks already analysed: x = the frame's time + ``offset`` (no model)."""
    chunk = ChunkRun("clip.mp4", make_backend=None, start_s=start_s, end_s=end_s, fps=10.0)
    for rows, times in ((chunk.own, own_times), (chunk.extra, extra_times)):
        for t in times:
            points = np.full((33, 3), t + offset, dtype=np.float32)
            rows.append(t, (points, np.ones(33, dtype=np.float32), points))
    chunk.handoff_s = handoff_s
    return chunk


def test_a_clip_that_starts_late_is_split_where_its_frames_are(tmp_path):
    """An edited phone clip whose first frame is at 3 s: the split was planned from 0, so the
    first chunk got 1.5 s of an 8 s clip and the second the rest."""
    from analysis.pose import chunk_plan
    from analysis.video import probe
    from tests.clipmaker import reencode
    from tests.conftest import SAMPLE_VIDEOS

    clip = tmp_path / "late.mp4"
    times = reencode(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, seconds=8.0, start_s=8.0,
                     pts_s=[3.0 + i / 30 for i in range(240)])  # fmt: skip
    info = probe(clip)
    assert info.start_s == pytest.approx(times[0]) == pytest.approx(3.0)
    starts = chunk_plan(str(clip), info.duration_s, 2, start_s=info.start_s)
    if len(starts) < 2:
        pytest.skip("one usable core: no time chunks")
    first, second = starts[1] - times[0], times[-1] - starts[1]
    assert abs(first - second) < 1.5  # shared by the warm-up and the pre-roll, not 1.5 s against 6.5 s


def test_chunks_are_joined_at_their_hand_overs_with_every_frame_once():
    """Chunk 0 ran on past its boundary (4.0 s) to 5.5 s; chunk 1 handed over at its boundary."""
    first = _chunk(0.0, 4.0, np.arange(0, 40) / 10, np.arange(40, 60) / 10, handoff_s=5.5)
    second = _chunk(4.0, 8.0, np.arange(40, 80) / 10, handoff_s=8.0, offset=100.0)
    third = _chunk(8.0, None, np.arange(80, 100) / 10, offset=200.0)
    joined = join_chunks([first, second, third])
    assert np.allclose(joined["times"], np.arange(100) / 10)
    source = joined["landmarks"][:, 0, 0] - joined["times"]  # which chunk each frame came from
    assert (
        np.allclose(source[:55], 0.0, atol=1e-3)
        and np.allclose(source[55:80], 100.0)
        and np.allclose(source[80:], 200.0)
    )
    # a chunk that ran through the whole of the next one's range skips it
    first.extra = _chunk(0.0, 4.0, np.arange(40, 85) / 10).own
    first.handoff_s = 8.5
    joined = join_chunks([first, second, third])
    source = joined["landmarks"][:, 0, 0] - joined["times"]
    assert np.allclose(joined["times"], np.arange(100) / 10)
    assert np.allclose(source[:85], 0.0, atol=1e-3) and np.allclose(source[85:], 200.0)


def test_landmarks_agree_within_the_tolerance_on_the_points_both_see():
    near = _chunk(0.0, None, [0.0])
    far = _chunk(0.0, None, [0.0], offset=3 * HANDOFF_TOL)
    close = _chunk(0.0, None, [0.0], offset=HANDOFF_TOL / 2)
    assert landmarks_agree(near.own, 0, close.own, 0)
    assert not landmarks_agree(near.own, 0, far.own, 0)
    far.own.visibility[0, 3:] = 0.0  # only three points seen by both: those three decide
    far.own.image[0, 3:, :2] = 0.0
    assert not landmarks_agree(near.own, 0, far.own, 0)
    far.own.image[0, :3, :2] = 0.0
    assert landmarks_agree(near.own, 0, far.own, 0)
    # one jittering landmark (a hand, a toe) of 33 does not keep two fits of one body apart;
    # one far off does, and so do four (more than one in ten)
    jitter = _chunk(0.0, None, [0.0], offset=HANDOFF_TOL / 2)
    jitter.own.image[0, 16, :2] += 2 * HANDOFF_TOL
    assert landmarks_agree(near.own, 0, jitter.own, 0)
    jitter.own.image[0, 16, :2] += HANDOFF_MAX
    assert not landmarks_agree(near.own, 0, jitter.own, 0)
    jitter.own.image[0, 16, :2] -= HANDOFF_MAX
    jitter.own.image[0, 12:16, :2] += 2 * HANDOFF_TOL
    assert not landmarks_agree(near.own, 0, jitter.own, 0)
    nobody = _chunk(0.0, None, [0.0])
    nobody.own.image[0] = np.nan
    assert not landmarks_agree(near.own, 0, nobody.own, 0)
    assert landmarks_agree(nobody.own, 0, nobody.own, 0)  # no person in either


@pytest.mark.slow
def test_a_chunk_whose_warm_up_did_not_settle_is_taken_over_by_the_earlier_one(shared_data, pose_cache_dir):
    """A head-on push-up clip: after a fresh start at the boundary (9.6 s) the later chunk's
    landmarks stayed up to a fifth of the picture away from a single pass's for seven seconds,
    and the joined track counted 4 push-ups of 5. The earlier chunk now runs on until the two
    agree, so up to there the joined track is the single pass, frame for frame."""
    from analysis.counting import count_reps

    if usable_cores() < 2:
        pytest.skip("needs two cores: extract_pose runs at most one chunk per core")
    path = shared_data / "clips" / "pushup_front_dollarpy_3.mp4"
    single = extract_pose(path, workers=1, cache=TrackCache(pose_cache_dir))
    double = extract_pose(path, workers=2, cache=False)
    boundary, handoff = double.meta["chunk_starts_s"][1], double.meta["handoffs_s"][0]
    assert handoff is None or handoff > boundary + 5.0  # the warm-up had not settled
    upto = len(double) if handoff is None else int(np.searchsorted(double.times, handoff - 1e-6))
    assert np.array_equal(double.times, single.times)
    assert np.array_equal(double.landmarks[:upto], single.landmarks[:upto], equal_nan=True)
    assert count_reps(double).count == count_reps(single).count == 5


@pytest.mark.slow
def test_two_workers_match_one_pass(shared_data, pose_cache_dir):
    if usable_cores() < 2:
        pytest.skip("needs two cores: extract_pose runs at most one chunk per core")
    path = shared_data / "clips" / CLIP
    single = extract_pose(path, workers=1, cache=TrackCache(pose_cache_dir))
    progress = []
    double = extract_pose(path, workers=2, cache=False, progress=lambda d, t: progress.append((d, t)))
    assert double.meta["workers"] == 2
    assert np.array_equal(double.times, single.times)  # no frame lost or repeated at the boundary
    assert progress[-1][0] == progress[-1][1] and all(b[0] >= a[0] for a, b in zip(progress, progress[1:]))
    assert all(done < total for done, total in progress[:-1])  # complete only once joined
    seen = (single.visibility > 0.5) & (double.visibility > 0.5)
    gap = np.where(seen, np.abs(double.landmarks[..., 0:2] - single.landmarks[..., 0:2]).max(axis=2), np.nan)
    with warnings.catch_warnings():  # frames without a person are all-NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        per_frame = np.nan_to_num(np.nanmedian(gap, axis=1))  # typical landmark offset per frame
    # MediaPipe's tracker depends on its own past, so after a boundary the chunks agree
    # closely, not bit for bit (0.005 of the frame is about 3 px at the model's 640 px input).
    assert np.median(per_frame) < 0.002
    assert np.mean(per_frame < 0.005) > 0.95
    assert np.mean(double.detected == single.detected) > 0.99


@pytest.mark.slow
def test_parallel_extraction_is_repeatable(tmp_path):
    """Chunk boundaries depend only on the clip: the same bytes give the same track, whatever the load."""
    from tests.clipmaker import reencode
    from tests.conftest import SAMPLE_VIDEOS

    if usable_cores() < 2:
        pytest.skip("needs two cores: extract_pose runs at most one chunk per core")
    clip = tmp_path / "six_seconds.mp4"
    reencode(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, seconds=6.0, start_s=8.0)
    first = extract_pose(clip, workers=2, cache=False)
    second = extract_pose(clip, workers=2, cache=False)
    assert first.meta["workers"] == 2
    assert np.array_equal(first.landmarks, second.landmarks, equal_nan=True)


@pytest.mark.slow
def test_cache_keeps_single_pass_and_chunked_tracks_apart_and_strides_from_the_clip_start(tmp_path):
    """A chunked track differs slightly from a single pass, so the cache must never hand one
    back for the other; and a stride keeps the frames a single pass keeps, in every chunk."""
    from analysis.cache import TrackCache
    from tests.clipmaker import reencode
    from tests.conftest import SAMPLE_VIDEOS

    if usable_cores() < 2:
        pytest.skip("needs two cores: extract_pose runs at most one chunk per core")
    clip = tmp_path / "six_seconds.mp4"
    reencode(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, seconds=6.0, start_s=8.0)
    cache = TrackCache(tmp_path / "cache")
    single = extract_pose(clip, workers=1, cache=cache)
    double = extract_pose(clip, workers=2, cache=cache)
    assert (single.meta["workers"], double.meta["workers"]) == (1, 2)
    assert len(list((tmp_path / "cache").rglob("*.npz"))) == 2
    assert extract_pose(clip, workers=2, cache=cache).meta["workers"] == 2  # and each is found again

    settings = PoseSettings(stride=3)
    strided_single = extract_pose(clip, workers=1, cache=False, settings=settings)
    strided_double = extract_pose(clip, workers=2, cache=False, settings=settings)
    assert strided_double.meta["workers"] == 2
    assert np.array_equal(strided_double.times, strided_single.times)
    steps = np.diff(strided_double.times) * 29.97
    assert np.allclose(steps, 3.0, atol=0.05)  # every third frame, across the chunk boundary too


def test_the_chunk_plan_does_not_depend_on_the_cores(tmp_path):
    """A one-core machine ran one pass where two cores ran two chunks: the tracks differed, and
    a squat's verdict with them. The plan now depends on the file and ``workers`` only."""
    import os

    from analysis.pose import chunk_plan
    from analysis.video import probe
    from tests.clipmaker import reencode
    from tests.conftest import SAMPLE_VIDEOS

    clip = tmp_path / "cut.mp4"
    reencode(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, seconds=10.0, start_s=5.0)
    duration = float(probe(clip).duration_s)
    two_cores = chunk_plan(str(clip), duration, 2)
    assert len(two_cores) == 2
    mask = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(mask)})  # this process on one core
        assert usable_cores() == 1
        assert chunk_plan(str(clip), duration, 2) == two_cores
    finally:
        os.sched_setaffinity(0, mask)


class _FailingBackend:
    """A pose backend that fails on its third frame with the given exception."""

    def __init__(self, exc: BaseException):
        self.exc, self.frames = exc, 0

    def process(self, rgb, time_s):
        self.frames += 1
        if self.frames == 3:
            raise self.exc
        return None

    def close(self):
        pass


@pytest.mark.parametrize("chunks", [1, 2])
def test_a_bug_in_a_chunk_keeps_its_type_and_a_bad_input_stays_one_plain_error(tmp_path, chunks):
    """A chunk's exception reaches the caller as it was raised. A programming error had become
    "pose extraction failed: ..." (a user's-input error, exit 2 without a traceback) only
    when the clip ran in two chunks (review K); one chunk raised it as it was."""
    from analysis.errors import PoseError
    from analysis.pose_chunks import analyse_clip
    from tests.clipmaker import reencode
    from tests.conftest import SAMPLE_VIDEOS

    clip = tmp_path / "six.mp4"
    reencode(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, seconds=6.0, start_s=8.0)
    starts = [0.0, 3.0][:chunks]
    with pytest.raises(KeyError, match="visibility"):
        analyse_clip(str(clip), lambda: _FailingBackend(KeyError("visibility")), starts, 180, None, fps=30.0)
    with pytest.raises(PoseError, match="^the model refused this frame$"):
        analyse_clip(
            str(clip),
            lambda: _FailingBackend(PoseError("the model refused this frame")),
            starts,
            180,
            None,
            fps=30.0,
        )


class _CountingBackend:
    """A pose backend that sees no one and counts the frames it was given (all instances)."""

    frames = 0

    def process(self, rgb, time_s):
        type(self).frames += 1
        return None

    def close(self):
        pass


def test_an_interrupt_on_the_calling_thread_stops_every_chunk(tmp_path):
    """Ctrl-C reaches the calling thread (here: raised from its progress callback); the chunk
    threads went on to analyse the rest of the clip before ``extract`` could exit (review P:
    interrupted at 4 s, it exited at 12.5 s of a 13.6 s run)."""
    from analysis.pose_chunks import analyse_clip
    from tests.clipmaker import reencode
    from tests.conftest import SAMPLE_VIDEOS

    clip = tmp_path / "six.mp4"
    reencode(SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4", clip, seconds=6.0, start_s=8.0)

    def interrupt(done, total):
        if done >= 10:
            raise KeyboardInterrupt

    _CountingBackend.frames = 0
    with pytest.raises(KeyboardInterrupt):
        analyse_clip(str(clip), _CountingBackend, [0.0, 3.0], 180, interrupt, fps=30.0)
    # each chunk stops at its next frame: far from the clip's 180 (and its warm-up's 15)
    assert 10 <= _CountingBackend.frames < 90, _CountingBackend.frames
