"""Draw the manager app's home-screen icons (PWA, issue #9) into api/webapp/static/.

A white screen-with-a-play-mark glyph on the app's theme blue: `icon-192.png` and
`icon-512.png` as a rounded square, `icon-maskable-512.png` full bleed for launchers that cut
their own shape (the glyph stays inside the maskable safe zone, a circle of 80 % width).
Run after changing the design: `.venv/bin/python scripts/make-icons.py`; the PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "api" / "webapp" / "static"
THEME = (31, 78, 121, 255)  # #1f4e79, base.html's theme-color
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4  # drawn large, then scaled down: smooth edges without antialiased primitives


def draw_icon(size: int, *, full_bleed: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def box(left: float, top: float, right: float, bottom: float) -> tuple[int, ...]:
        return tuple(round(v * big) for v in (left, top, right, bottom))

    if full_bleed:
        pen.rectangle(box(0, 0, 1, 1), fill=THEME)
    else:
        pen.rounded_rectangle(box(0, 0, 1, 1), radius=round(0.22 * big), fill=THEME)
    # the screen: an outlined panel on a stand, all within 0.36 of the centre (safe zone 0.4)
    pen.rounded_rectangle(
        box(0.22, 0.27, 0.78, 0.63),
        radius=round(0.05 * big),
        outline=WHITE,
        width=round(0.045 * big),
    )
    pen.rectangle(box(0.47, 0.63, 0.53, 0.71), fill=WHITE)
    pen.rounded_rectangle(box(0.36, 0.70, 0.64, 0.75), radius=round(0.025 * big), fill=WHITE)
    play = [(0.45, 0.375), (0.45, 0.525), (0.575, 0.45)]
    pen.polygon([(round(x * big), round(y * big)) for x, y in play], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for name, size, full_bleed in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        draw_icon(size, full_bleed=full_bleed).save(STATIC / name, optimize=True)
        print(f"wrote {STATIC / name}")


if __name__ == "__main__":
    main()
