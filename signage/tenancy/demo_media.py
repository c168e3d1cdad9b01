"""Media for the demo tenant, made on the spot: promo cards (JPEG, Pillow) and a short promo
clip (H.264 video with an AAC track, PyAV), so a fresh `make run` has real content to play."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

CARD_SIZE = (1280, 720)
CLIP_SIZE = (640, 360)
CLIP_FPS = 25
AUDIO_RATE = 48_000


def _card(
    title: str, subtitle: str, colour: tuple[int, int, int], size: tuple[int, int]
) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 3 // 4, width, height), fill=(20, 20, 30))
    big = ImageFont.load_default(size=height // 8)
    small = ImageFont.load_default(size=height // 16)
    draw.text((width // 16, height // 4), title, fill=(255, 255, 255), font=big)
    draw.text(
        (width // 16, height * 3 // 4 + height // 24), subtitle, fill=(240, 200, 60), font=small
    )
    return image


def promo_card(title: str, subtitle: str, colour: tuple[int, int, int]) -> bytes:
    """A 1280x720 JPEG with a headline and a strap line."""
    buffer = io.BytesIO()
    _card(title, subtitle, colour, CARD_SIZE).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def promo_clip(path: Path, title: str, seconds: int = 6) -> Path:
    """An MP4 (H.264 + AAC, the formats §14 accepts): the card with a sweeping highlight."""
    base = _card(title, "Ask at the bar", (120, 30, 60), CLIP_SIZE)
    with av.open(str(path), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=CLIP_FPS)
        video.width, video.height, video.pix_fmt = *CLIP_SIZE, "yuv420p"
        video.time_base = Fraction(1, CLIP_FPS)
        video.options = {"preset": "veryfast"}
        audio = container.add_stream("aac", rate=AUDIO_RATE)
        audio.layout = "stereo"
        for index in range(seconds * CLIP_FPS):
            picture = _sweep(base, index / (seconds * CLIP_FPS))
            frame = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        _silence(container, audio, seconds)
    return path


def _sweep(base: Image.Image, progress: float) -> Image.Image:
    frame = base.copy()
    draw = ImageDraw.Draw(frame)
    x = int(progress * base.width)
    draw.rectangle((x, 0, x + base.width // 20, base.height // 40), fill=(255, 255, 255))
    return frame


def _silence(container: av.container.OutputContainer, stream: av.AudioStream, seconds: int) -> None:
    """A quiet audio track: pubs run their own music; the clip must still carry AAC."""
    samples = stream.codec_context.frame_size or 1024
    for start in range(0, seconds * AUDIO_RATE, samples):
        frame = av.AudioFrame(format="fltp", layout="stereo", samples=samples)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
