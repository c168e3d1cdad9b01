"""The faces the player's slides are drawn in, measured with Pillow's text bounding boxes.

DejaVu (Debian's fonts-dejavu-core, installed by scripts/ensure-system-deps.sh) is on nearly
every Linux box; its monospaced bold keeps the pairing code's characters apart (the code's
alphabet already leaves out 0/O and 1/I). Without it, Pillow's built-in scalable font stands in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from player.slide_layout import Face, InkBox

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
FACE_FILES = {
    Face.SANS: "DejaVuSans.ttf",
    Face.SANS_BOLD: "DejaVuSans-Bold.ttf",
    Face.MONO_BOLD: "DejaVuSansMono-Bold.ttf",
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class FontBook:
    """Loads each face and size once; implements `slide_layout.TextMeasure`."""

    def __init__(self, font_dir: Path = DEJAVU_DIR) -> None:
        self.font_dir = font_dir
        self._fonts: dict[tuple[Face, int], Font] = {}

    def font(self, face: Face, px: int) -> Font:
        key = (face, px)
        if key not in self._fonts:
            path = self.font_dir / FACE_FILES[face]
            try:
                self._fonts[key] = ImageFont.truetype(str(path), px)
            except OSError:
                self._fonts[key] = ImageFont.load_default(size=px)
        return self._fonts[key]

    def ink_box(self, face: Face, px: int, text: str) -> InkBox:
        left, top, right, bottom = self.font(face, px).getbbox(text)
        return (int(left), int(top), int(right), int(bottom))

    def line_height(self, face: Face, px: int) -> int:
        font = self.font(face, px)
        if isinstance(font, ImageFont.FreeTypeFont):
            ascent, descent = font.getmetrics()
            return ascent + descent
        return self.ink_box(face, px, "Ag")[3] + 2


@lru_cache(maxsize=1)
def default_fonts() -> FontBook:
    """The process's font book (font files are read once)."""
    return FontBook()
