"""Make small test videos from real clips with PyAV: rotated, variable frame rate, cut short.

These turn a real sample clip into the awkward files users upload (a portrait phone clip
stored sideways with a rotation flag, a phone's variable frame rate, an interrupted
upload), so tests exercise the real reader on real pixels.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def reencode(
    src: str | Path,
    dst: str | Path,
    seconds: float = 3.0,
    start_s: float = 0.0,
    rotation: int = 0,
    rotate_pixels: int = 0,
    pts_s: list[float] | None = None,
    max_side: int = 480,
    keyframe_every: int | None = None,
    mirror: str = "",
    faststart: bool = False,
    leading_still: bool = False,
    squeeze: int = 1,
    fragmented: bool = False,
) -> list[float]:
    """Re-encode part of ``src`` as H.264 into ``dst``; return the written frame times.

    ``rotate_pixels`` turns the stored pixels by that many degrees clockwise and
    ``rotation`` writes a display rotation (counter-clockwise degrees, as PyAV reads it
    back) into the container: together they make the file a phone writes for a portrait
    clip. ``pts_s`` gives explicit frame times (variable frame rate). ``keyframe_every``
    sets the encoder's keyframe interval in frames (its default is 250). ``mirror`` "h" or
    "v" stores the pixels mirrored and flags that mirror in the display matrix (upright when
    shown, as FFmpeg shows it). ``faststart`` puts the index first (a phone's upload cut short
    still reads); ``leading_still`` adds a grey cover picture before the clip's stream.
    ``squeeze`` stores the picture that many times narrower with pixels that many times wider
    (a sample aspect ratio, as HDV and DV store 1920 x 1080 as 1440 x 1080). ``fragmented``
    writes a fragmented MP4 (one piece per keyframe, no length in its header), as OBS and
    in-browser recorders do. The container follows ``dst``'s suffix (``.mkv`` for Matroska,
    ``.ts`` for MPEG-TS).
    """
    frames = []
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if t < start_s:
                continue
            if t >= start_s + seconds:
                break
            scale = max_side / max(frame.width, frame.height)
            w = int(frame.width * scale / squeeze) // 2 * 2
            h = int(frame.height * scale) // 2 * 2
            rgb = frame.to_ndarray(width=w, height=h, format="rgb24")
            if rotate_pixels:
                rgb = np.ascontiguousarray(np.rot90(rgb, k=-(rotate_pixels // 90)))
            if mirror:
                rgb = np.ascontiguousarray(rgb[:, ::-1] if mirror == "h" else rgb[::-1])
            frames.append(rgb)
    time_base = Fraction(1, 90000)
    times = pts_s if pts_s is not None else [i / 30.0 for i in range(len(frames))]
    frames = frames[: len(times)]
    options = {"movflags": "+faststart"} if faststart else {}
    if fragmented:
        options = {"movflags": "frag_keyframe+empty_moov"}
    with av.open(str(dst), "w", options=options) as out:
        still = None
        if leading_still:  # a cover picture, larger than the clip, marked as one (mp4 keeps the mark)
            still = out.add_stream("mjpeg", rate=1)
            still.width, still.height, still.pix_fmt = 512, 512, "yuvj420p"
            still.disposition = av.stream.Disposition.attached_pic
        stream = out.add_stream("libx264", rate=30)
        stream.width = frames[0].shape[1]
        stream.height = frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base  # else pts are rounded to 1/30 s
        if squeeze != 1:
            stream.codec_context.sample_aspect_ratio = Fraction(squeeze, 1)
        if keyframe_every:
            stream.codec_context.gop_size = keyframe_every
            stream.codec_context.options = {"keyint": str(keyframe_every), "min-keyint": str(keyframe_every)}
        if rotation or mirror:
            stream.set_display_rotation(rotation, hflip=mirror == "h", vflip=mirror == "v")
        if still is not None:
            grey = av.VideoFrame.from_ndarray(np.full((512, 512, 3), 128, np.uint8), format="rgb24")
            grey = grey.reformat(format="yuvj420p")
            grey.pts = 0
            for packet in [*still.encode(grey), *still.encode()]:
                out.mux(packet)
        for rgb, t in zip(frames, times):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = int(round(t / time_base))
            frame.time_base = time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return [float(t) for t in times[: len(frames)]]


def with_repeated_times(src: str | Path, dst: str | Path, shown: list[int]) -> Path:
    """``src``'s packets copied, each frame shown just before one of ``shown`` (indices in
    showing order) stamped with that frame's time: two frames at one presentation time, as
    some phones and screen recorders write. The encoder and the MP4 muxer refuse repeated
    times, so they are set on the packets (a later showing time is still after decoding)."""
    with av.open(str(src)) as source, av.open(str(dst), "w") as out:
        stream = source.streams.video[0]
        copy = out.add_stream_from_template(stream)
        packets = [p for p in source.demux(stream) if p.dts is not None]
        order = sorted(p.pts for p in packets)
        moved = {order[k - 1]: order[k] for k in shown}
        for packet in packets:
            packet.pts = moved.get(packet.pts, packet.pts)
            packet.stream = copy
            out.mux(packet)
    return Path(dst)


COLOUR_PATCHES = ((220, 30, 30), (30, 200, 40), (30, 40, 220), (224, 172, 140), (128, 128, 128))


def colour_patches(
    dst: str | Path, codec: str, pix_fmt: str, colorspace: str, transfer: int = 1
) -> np.ndarray:
    """A 1/3 s clip of ``COLOUR_PATCHES`` side by side (red, green, blue, skin, grey) coded
    with ``colorspace``'s matrix ("bt709" as phones tag HD and 4K, "bt2020" as an iPhone's
    HDR) and tagged so (``transfer`` 18: HLG); returns the picture written."""
    spaces = {"bt709": (1, "ITU709"), "bt2020": (9, "BT2020")}  # AVCOL_SPC_*, swscale's name
    tag, matrix = spaces[colorspace]
    rgb = np.zeros((96, 320, 3), np.uint8)
    for i, colour in enumerate(COLOUR_PATCHES):
        rgb[:, i * 64 : (i + 1) * 64] = colour
    with av.open(str(dst), "w") as out:
        stream = out.add_stream(codec, rate=30)
        stream.width, stream.height, stream.pix_fmt = rgb.shape[1], rgb.shape[0], pix_fmt
        context = stream.codec_context
        context.colorspace = context.color_primaries = tag
        context.color_trc, context.color_range = transfer, 1  # limited range, as cameras write
        stream.options = {"crf": "4"} if codec == "libx264" else {"x265-params": "crf=4:log-level=error"}
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame = frame.reformat(format=pix_fmt, dst_colorspace=matrix, dst_color_range=1)
            frame.colorspace, frame.pts = tag, index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return rgb


def cut_short(src: str | Path, dst: str | Path, share: float) -> Path:
    """The first ``share`` of ``src``'s bytes written to ``dst``: an upload or copy interrupted."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * share)])
    return Path(dst)


def audio_only(dst: str | Path, seconds: float = 1.0) -> None:
    """A valid media file with sound and no picture."""
    with av.open(str(dst), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44100)
        samples = int(44100 * seconds)
        tone = (np.sin(np.arange(samples) * 2 * np.pi * 440 / 44100) * 0.2).astype(np.float32)
        for start in range(0, samples, 1024):
            chunk = tone[start : start + 1024][None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            frame.sample_rate = 44100
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _forward_and_back(src: str | Path, start_s: float, end_s: float, max_side: int) -> list:
    """Frames of ``src`` in ``[start_s, end_s)`` played forward and then backward (yuv420p).

    Played in a loop this has no jump: the last frame leads back into the first.
    """
    frames = []
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if start_s <= t < end_s:
                scale = max_side / max(frame.width, frame.height)
                w, h = int(frame.width * scale) // 2 * 2, int(frame.height * scale) // 2 * 2
                frames.append(frame.reformat(width=w, height=h, format="yuv420p"))
    return frames + frames[-2:0:-1]


def camera_file(src: str | Path, dst: str | Path, start_s: float, end_s: float, max_side: int = 480) -> int:
    """A Y4M file for Chromium's fake camera (``--use-file-for-fake-video-capture``).

    Chromium plays the file in a loop, so it is written forward and then backward: the
    loop has no jump for the counter to mistake for a movement. Returns the frame count.
    """
    looped = _forward_and_back(src, start_s, end_s, max_side)
    with av.open(str(dst), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("wrapped_avframe", rate=30)
        stream.width, stream.height, stream.pix_fmt = looped[0].width, looped[0].height, "yuv420p"
        for index, frame in enumerate(looped):
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return len(looped)


def looped_clip(src: str | Path, dst: str | Path, start_s: float, end_s: float, seconds: float) -> None:
    """What the fake camera films: ``[start_s, end_s)`` forward and back, looped, as H.264."""
    looped = _forward_and_back(src, start_s, end_s, 480)
    pictures = [frame.to_ndarray() for frame in looped]
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = looped[0].width, looped[0].height, "yuv420p"
        for index in range(int(round(seconds * 30))):
            # a new frame each time: the encoder holds frames it has not yet coded, and
            # setting the time of a frame object it still holds (the loop plays each
            # picture several times) gave the first 4 s of the clip one time, 0
            frame = av.VideoFrame.from_ndarray(pictures[index % len(pictures)], format="yuv420p")
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def without_first_keyframe(src: str | Path, dst: str | Path) -> None:
    """Copy ``src`` without its first packet (the opening keyframe), as a clip cut out of a
    longer recording without re-encoding: nothing can be decoded before its next keyframe,
    and a seek into that stretch finds no keyframe to land on."""
    with av.open(str(src)) as source, av.open(str(dst), "w") as out:
        stream = source.streams.video[0]
        copy = out.add_stream_from_template(stream)
        first = True
        for packet in source.demux(stream):
            if packet.dts is None:
                continue
            if first:
                first = False
                continue
            packet.stream = copy
            out.mux(packet)


def encoded_with(src: str | Path, dst: str | Path, codec: str, frames: int, width: int, height: int) -> Path:
    """The first ``frames`` frames of ``src`` encoded with ``codec`` (an FFmpeg encoder name:
    "mpeg4" for an old camera's AVI, "libsvtav1" for AV1) at ``width`` x ``height``."""
    with av.open(str(src)) as source, av.open(str(dst), "w") as out_file:
        out = out_file.add_stream(codec, rate=30)
        out.width, out.height, out.pix_fmt = width, height, "yuv420p"
        for i, frame in enumerate(source.decode(video=0)):
            if i >= frames:
                break
            for packet in out.encode(frame.reformat(width=width, height=height, format="yuv420p")):
                out_file.mux(packet)
        for packet in out.encode():
            out_file.mux(packet)
    return Path(dst)


def all_at_time_zero(src: str | Path, dst: str | Path) -> None:
    """``src``'s frames re-encoded into Matroska with every packet stamped at time 0 (a
    damaged file: its frames carry no usable times)."""
    with av.open(str(src)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264")
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for rgb in [*frames, None]:
            frame = None if rgb is None else av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                packet.pts = packet.dts = 0
                out.mux(packet)
