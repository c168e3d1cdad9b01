"""Thumbnails (§13 step 5): a JPEG no larger than `max_px` on its long side, from the picture
itself or from a frame about a second into a video."""

from __future__ import annotations

import io
from pathlib import Path

import av
from PIL import Image, ImageOps

from signage.enums import AssetType
from signage.media.failures import ThumbnailError

DEFAULT_MAX_PX = 480
JPEG_QUALITY = 80
# A second in, past the fade-from-black many edits open with; shorter videos give their last frame.
FRAME_AT_SECONDS = 1.0
# Frames decoded after the seek before settling for what we have (bounds the work per video).
MAX_FRAMES_AFTER_SEEK = 120


def make_thumbnail(
    path: Path,
    kind: AssetType,
    *,
    max_px: int = DEFAULT_MAX_PX,
    at_seconds: float = FRAME_AT_SECONDS,
) -> bytes:
    """JPEG bytes of a thumbnail for the image or video at `path`.

    Raises `ThumbnailError` (THUMBNAIL_FAILED, §13.2) when no picture can be decoded.
    """
    try:
        picture = (
            _image_picture(path, max_px)
            if kind is AssetType.IMAGE
            else _video_frame(path, at_seconds)
        )
        return _encode_jpeg(picture, max_px)
    except ThumbnailError:
        raise
    except (av.FFmpegError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ThumbnailError(
            "A preview could not be made from this file. Try exporting it again."
        ) from exc


def _image_picture(path: Path, max_px: int) -> Image.Image:
    with Image.open(path) as image:
        image.draft("RGB", (max_px, max_px))  # JPEG: decode at a reduced scale, much faster
        upright = ImageOps.exif_transpose(image)
        upright.load()
        return upright


def _video_frame(path: Path, at_seconds: float) -> Image.Image:
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ThumbnailError("The video has no picture to make a preview from.")
        stream = container.streams.video[0]
        if at_seconds > 0:
            container.seek(int(at_seconds * av.time_base))  # lands on the keyframe before
        last_frame = None
        for count, frame in enumerate(container.decode(stream)):
            last_frame = frame
            if frame.time is None or frame.time >= at_seconds or count >= MAX_FRAMES_AFTER_SEEK:
                break
        if last_frame is None:
            raise ThumbnailError("No frame of the video could be decoded for its preview.")
        picture: Image.Image = last_frame.to_image()  # type: ignore[no-untyped-call]  # PyAV's stub
        return picture


def _encode_jpeg(picture: Image.Image, max_px: int) -> bytes:
    picture.thumbnail((max_px, max_px))
    buffer = io.BytesIO()
    _on_black(picture).save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _on_black(picture: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent areas show black, as on the player's screen."""
    if picture.mode in ("RGBA", "LA", "P", "PA"):
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return picture.convert("RGB")
