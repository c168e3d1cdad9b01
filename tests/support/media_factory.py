"""Real media files made in-process (Pillow and PyAV), small and fast, for ingestion tests.

Frames carry a moving bar over a solid background so encoders and thumbnails see changing
pictures, not one repeated frame. Sizes default to tiny: tests that need a specific property
(resolution, duration, frame rate, bitrate) ask for it and nothing else.
"""

from __future__ import annotations

import math
import struct
import zlib
from array import array
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from PIL import Image, ImageDraw

# Encoder names by the codec a test asks for; "h264" and "aac" are what §14 accepts.
VIDEO_ENCODERS = {"h264": "libx264", "vp9": "libvpx-vp9", "vp8": "libvpx", "mpeg4": "mpeg4"}
AUDIO_ENCODERS = {"aac": "aac", "mp3": "libmp3lame", "opus": "libopus"}
# 32-bit float samples; Opus only takes them interleaved (mono makes the two layouts equal).
AUDIO_SAMPLE_FORMATS = {"aac": "fltp", "mp3": "fltp", "opus": "flt"}
# Per-encoder options that keep generation fast.
FAST_OPTIONS = {
    "libx264": {"preset": "ultrafast", "tune": "zerolatency"},
    "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8"},
    "libvpx": {"deadline": "realtime", "cpu-used": "8"},
    "mpeg4": {},
}
AUDIO_SAMPLE_RATE = 48_000
JPEG_COMMENT_MAX = 65_533  # a COM segment's payload limit (16-bit length includes itself)


def _picture(width: int, height: int, *, seed: int = 0) -> Image.Image:
    """A solid background with a bar and a diagonal, so images have edges worth encoding."""
    image = Image.new("RGB", (width, height), (20 + seed % 200, 90, 160))
    draw = ImageDraw.Draw(image)
    bar = max(1, width // 8)
    draw.rectangle((width // 3, 0, width // 3 + bar, height), fill=(240, 200, 40))
    draw.line((0, 0, width, height), fill=(255, 255, 255), width=max(1, height // 50))
    return image


def make_jpeg(
    path: Path, width: int, height: int, *, quality: int = 85, target_bytes: int | None = None
) -> Path:
    """Write a JPEG; with `target_bytes`, pad it with COM segments to exactly that size."""
    _picture(width, height).save(path, "JPEG", quality=quality)
    if target_bytes is not None:
        _pad_jpeg(path, target_bytes)
    return path


def _pad_jpeg(path: Path, target_bytes: int) -> None:
    data = path.read_bytes()
    missing = target_bytes - len(data)
    segment_count = max(1, math.ceil(missing / (JPEG_COMMENT_MAX + 4)))
    payload_total = missing - 4 * segment_count  # each COM segment has a 4-byte header
    if payload_total < 0:
        raise ValueError(f"cannot pad a {len(data)}-byte JPEG to exactly {target_bytes} bytes")
    share, extra = divmod(payload_total, segment_count)
    payloads = [share + (1 if index < extra else 0) for index in range(segment_count)]
    comments = b"".join(b"\xff\xfe" + struct.pack(">H", n + 2) + b"\x00" * n for n in payloads)
    # COM segments may sit anywhere after SOI; put them straight after it.
    path.write_bytes(data[:2] + comments + data[2:])


def make_png(path: Path, width: int, height: int, *, compress_level: int = 1) -> Path:
    """Write a PNG (fast compression: large test images stay quick to make)."""
    _picture(width, height).save(path, "PNG", compress_level=compress_level)
    return path


def make_png_bomb(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims `width` x `height`: what a decompression bomb looks like
    to anything that trusts the header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(1024)))
        + chunk(b"IEND", b"")
    )
    return path


def make_mp4(
    path: Path,
    *,
    width: int = 64,
    height: int = 36,
    seconds: float = 1.0,
    fps: int = 5,
    video_codec: str = "h264",
    audio_codec: str | None = "aac",
    bitrate: int | None = None,
    container_format: str = "mp4",
    faststart: bool = False,
) -> Path:
    """Encode a video with a moving bar (and a tone when `audio_codec` is set).

    `bitrate` asks x264 for constant bitrate with filler data, so even simple pictures really
    occupy that many bits per second (what BITRATE_EXCEEDED measures).
    """
    frame_count = max(1, round(seconds * fps))
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", format=container_format, options=options) as container:
        video = _add_video_stream(container, video_codec, width, height, fps, bitrate)
        audio = _add_audio_stream(container, audio_codec) if audio_codec else None
        for index in range(frame_count):
            container.mux(video.encode(_video_frame(width, height, index, frame_count)))
        container.mux(video.encode(None))
        if audio is not None:
            _encode_tone(container, audio, frame_count / fps)
    return path


def _add_video_stream(
    container: Any, codec: str, width: int, height: int, fps: int, bitrate: int | None
) -> Any:
    encoder = VIDEO_ENCODERS[codec]
    stream = container.add_stream(encoder, rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.time_base = Fraction(1, fps)
    options = dict(FAST_OPTIONS[encoder])
    if bitrate is not None:
        stream.bit_rate = bitrate
        if encoder == "libx264":
            kbps = str(bitrate // 1000)
            options.update(
                {
                    "x264-params": "nal-hrd=cbr:filler=1",
                    "maxrate": kbps + "k",
                    "bufsize": kbps + "k",
                }
            )
    stream.options = options
    return stream


def _video_frame(width: int, height: int, index: int, frame_count: int) -> av.VideoFrame:
    """A yuv420p frame: mid-grey luma with a bright vertical bar that moves across."""
    frame = av.VideoFrame(width, height, "yuv420p")
    luma, chroma_u, chroma_v = frame.planes
    bar_width = max(2, width // 8)
    bar_left = (index * max(1, width // max(1, frame_count))) % max(1, width - bar_width)
    row = bytearray([70]) * luma.line_size
    row[bar_left : bar_left + bar_width] = bytes([235]) * bar_width
    luma.update(bytes(row) * height)
    chroma_u.update(bytes([100 + index % 40]) * chroma_u.buffer_size)
    chroma_v.update(bytes([150]) * chroma_v.buffer_size)
    frame.pts = index
    return frame


def _add_audio_stream(container: Any, codec: str) -> Any:
    stream = container.add_stream(AUDIO_ENCODERS[codec], rate=AUDIO_SAMPLE_RATE)
    stream.layout = "mono"
    stream.format = AUDIO_SAMPLE_FORMATS[codec]
    return stream


def _encode_tone(container: Any, stream: Any, seconds: float) -> None:
    """A 440 Hz mono tone for `seconds`, in the encoder's own frame size."""
    samples_per_frame = stream.codec_context.frame_size or 1024
    sample_format = stream.codec_context.format.name
    # One second holds a whole number of 440 Hz cycles, so the table loops seamlessly.
    one_second = array(
        "f",
        (
            0.2 * math.sin(2 * math.pi * 440 * n / AUDIO_SAMPLE_RATE)
            for n in range(AUDIO_SAMPLE_RATE)
        ),
    ).tobytes()
    looped = one_second * 2
    sample_bytes = 4
    for start in range(0, int(seconds * AUDIO_SAMPLE_RATE), samples_per_frame):
        frame = av.AudioFrame(format=sample_format, layout="mono", samples=samples_per_frame)
        begin = (start % AUDIO_SAMPLE_RATE) * sample_bytes
        frame.planes[0].update(looped[begin : begin + samples_per_frame * sample_bytes])
        frame.sample_rate = AUDIO_SAMPLE_RATE
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def make_webm(path: Path, *, width: int = 64, height: int = 36, seconds: float = 1.0) -> Path:
    """A valid WebM (VP9 + Opus): a real video in a container §6 does not accept."""
    return make_mp4(
        path,
        width=width,
        height=height,
        seconds=seconds,
        video_codec="vp9",
        audio_codec="opus",
        container_format="webm",
    )


def truncate(path: Path, fraction: float) -> Path:
    """Cut the file to `fraction` of its length, as an interrupted transfer would."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def blank_mp4_samples(path: Path) -> Path:
    """Zero the payload of the MP4's `mdat` box: the container and stream headers stay valid
    (probing succeeds) but no frame can be decoded from the samples."""
    data = bytearray(path.read_bytes())
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"mdat":
            data[offset + 8 : offset + size] = bytes(size - 8)
            path.write_bytes(bytes(data))
            return path
        if size < 8:
            break
        offset += size
    raise ValueError(f"{path} has no mdat box")
