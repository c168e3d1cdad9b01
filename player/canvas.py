"""Drawing full-screen message slides with Pillow, shared by the pairing and error screens."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from player.store import atomic_write

SCREEN_SIZE = (1280, 720)
BACKGROUND = (16, 24, 40)
FOREGROUND = (240, 240, 240)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType support
        return ImageFont.load_default()


def render_slide(
    path: Path, title: str, lines: list[str], picture: Image.Image | None = None
) -> Path:
    """Write a PNG slide (title, text lines, optional picture on the right) atomically."""
    width, height = SCREEN_SIZE
    slide = Image.new("RGB", SCREEN_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(slide)
    draw.text((80, 120), title, fill=FOREGROUND, font=_font(56))
    for number, line in enumerate(lines):
        draw.text((80, 240 + number * 70), line, fill=FOREGROUND, font=_font(44))
    if picture is not None:
        side = min(height - 160, picture.width)
        fitted = picture.convert("RGB").resize((side, side), Image.Resampling.NEAREST)
        slide.paste(fitted, (width - side - 80, (height - side) // 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    slide.save(buffer, format="PNG")
    atomic_write(path, buffer.getvalue())
    return path
