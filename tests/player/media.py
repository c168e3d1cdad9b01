"""Real test media made in-process: JPEG/PNG with Pillow, tiny H.264 MP4s with PyAV."""

from __future__ import annotations

import io
from functools import cache

import av
from PIL import Image


def image_bytes(color: tuple[int, int, int], fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format=fmt)
    return buffer.getvalue()


@cache
def mp4_bytes(seconds: float = 1.0, fps: int = 10, shade: int = 80) -> bytes:
    """A 64x48 H.264 MP4 of `seconds` (libx264 ultrafast)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(int(seconds * fps)):
            frame = av.VideoFrame.from_image(
                Image.new("RGB", (64, 48), (shade, (index * 20) % 255, 120))
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()
