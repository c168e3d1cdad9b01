"""Drawing the player's own slides (pairing, connecting, error) from a `SlideLayout` with Pillow."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw

from player.fonts import FontBook
from player.slide_layout import Role, SlideLayout
from player.store import atomic_write

BACKGROUND = (16, 24, 40)
FOREGROUND = (240, 240, 240)
COLOURS = {
    Role.CODE: (255, 214, 102),  # the code stands out from everything else
    Role.ADDRESS: (150, 205, 255),
    Role.IDENTITY: (170, 180, 195),
}
QrMatrix = Sequence[Sequence[bool]]  # True: a dark module; the quiet border included


def draw_slide(layout: SlideLayout, fonts: FontBook, qr: QrMatrix | None = None) -> Image.Image:
    """The slide as a picture: every line at its origin, the QR code filling its box."""
    slide = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(slide)
    for line in layout.lines:
        colour = COLOURS.get(line.role, FOREGROUND)
        draw.text(line.origin, line.text, fill=colour, font=fonts.font(line.face, line.px))
    if qr is not None and layout.qr is not None:
        slide.paste(_qr_picture(qr, layout.qr.height), (layout.qr.left, layout.qr.top))
    return slide


def render_slide(
    path: Path, layout: SlideLayout, fonts: FontBook, qr: QrMatrix | None = None
) -> SlideLayout:
    """Write the slide as a PNG atomically; returns the layout it drew."""
    buffer = BytesIO()
    # Fast compression: a 4K slide is written in a fraction of a second, even on a small box.
    draw_slide(layout, fonts, qr).save(buffer, format="PNG", compress_level=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())
    return layout


def _qr_picture(qr: QrMatrix, side: int) -> Image.Image:
    """One pixel per module, then scaled by a whole factor: squares stay sharp (the layout
    made `side` a multiple of the module count)."""
    modules = len(qr)
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if dark else 255 for row in qr for dark in row])
    return small.resize((side, side), Image.Resampling.NEAREST).convert("RGB")
