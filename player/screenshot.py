"""CAPTURE_SCREENSHOT (issue 19 item 3): a JPEG of what the screen shows, as viewers see it.
Imported only when a screenshot is asked for: Pillow never delays the first frame (§28.1).

A video's frame comes from libVLC's snapshot; a still (content or the player's own slides) is
its own file. Either is composed the way libVLC draws it: fitted into the output with black
bars, centred, in the frame viewers face (a PORTRAIT screen's output turned upright, as the
slides are drawn, `slide_layout.slide_size`).
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps

from player.media_backend import MediaBackend
from player.slide_layout import slide_size

JPEG_QUALITY = 80
MAX_EDGE_PX = 1920  # a 4K output is scaled down: the picture is for a phone's glance


class NothingOnScreenError(RuntimeError):
    """No picture to take: nothing has been put on screen yet, or the video gave no frame."""


@dataclass(frozen=True)
class Screenshot:
    jpeg: bytes
    width_px: int
    height_px: int
    source: str  # VIDEO_FRAME or IMAGE

    def facts(self) -> dict[str, object]:
        """The command result the server keeps beside the picture."""
        return {
            "widthPx": self.width_px,
            "heightPx": self.height_px,
            "sizeBytes": len(self.jpeg),
            "source": self.source,
        }


def take_screenshot(
    backend: MediaBackend, output_size: tuple[int, int], work_dir: Path
) -> Screenshot:
    """What `backend` shows now, composed into the viewers' frame and encoded as JPEG."""
    showing = backend.showing()
    if showing is None:
        raise NothingOnScreenError("nothing has been shown yet")
    if showing.video:
        frame = work_dir / "snapshot.png"
        if not backend.snapshot(frame):
            raise NothingOnScreenError("libVLC gave no video frame to take")
        source, kind = frame, "VIDEO_FRAME"
    else:
        source, kind = showing.path, "IMAGE"
    with Image.open(source) as picture:
        composed = compose(picture, slide_size(output_size, showing.orientation))
    return _encoded(composed, kind)


def compose(picture: Image.Image, frame: tuple[int, int]) -> Image.Image:
    """`picture` fitted into `frame` keeping its aspect ratio, centred on black (libVLC's fit),
    scaled so the longer edge is at most MAX_EDGE_PX."""
    scale = min(1.0, MAX_EDGE_PX / max(frame))
    size = (max(1, round(frame[0] * scale)), max(1, round(frame[1] * scale)))
    return ImageOps.pad(picture.convert("RGB"), size, color=(0, 0, 0))


def _encoded(picture: Image.Image, kind: str) -> Screenshot:
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return Screenshot(buffer.getvalue(), picture.width, picture.height, kind)
