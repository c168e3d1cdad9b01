"""Read what a local media file is: container, dimensions, duration, frame rate, bitrates, codecs.

Images are read with Pillow (and fully decoded, so a truncated picture is caught here as
FILE_CORRUPT); everything else with MediaInfo, which reads container and stream headers without
decoding frames. Judging the result against §14 is `rules.check_media`'s job, not this module's:
a WebM video probes fine and is rejected there.

Codec and container names are normalised to short lowercase ids ("h264", "aac", "mp4") so rules,
the DB columns and the API all speak the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymediainfo
from PIL import Image, UnidentifiedImageError

from signage.enums import AssetType
from signage.media.failures import FailureReason, ProbeError

# Images larger than this fail RESOLUTION_EXCEEDED (§14) whatever their pixels hold, so they are
# not decoded: that keeps a hostile 20000x20000 PNG from costing a gigabyte of memory.
FULL_DECODE_MAX_PIXELS = 3840 * 2160

# EXIF orientations that turn the stored picture a quarter turn (width and height swap on screen).
EXIF_ORIENTATION_TAG = 0x0112
QUARTER_TURN_ORIENTATIONS = frozenset({5, 6, 7, 8})

# Pillow format -> container id; Pillow is asked for these formats only (its guesses at TGA and
# the like would misread videos), and MediaInfo names every other picture. Phones write MPO
# (JPEG plus extra views): a JPEG for every decoder the player uses, so it counts as one.
PILLOW_CONTAINERS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png"}
PILLOW_FORMATS = ("JPEG", "PNG")  # Pillow's JPEG opener hands back MPO files itself

# MediaInfo "Format" -> codec id.
VIDEO_CODECS = {
    "AVC": "h264",
    "HEVC": "hevc",
    "VP8": "vp8",
    "VP9": "vp9",
    "AV1": "av1",
    "MPEG-4 Visual": "mpeg4",
    "MPEG Video": "mpeg2",
    "ProRes": "prores",
}
AUDIO_CODECS = {
    "AAC": "aac",
    "Opus": "opus",
    "Vorbis": "vorbis",
    "AC-3": "ac3",
    "E-AC-3": "eac3",
    "FLAC": "flac",
    "PCM": "pcm",
    "ALAC": "alac",
}
CONTAINERS = {"WebM": "webm", "Matroska": "mkv", "AVI": "avi", "MPEG-TS": "mpegts"}
_LEADING_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a file holds. Dimensions are as displayed (EXIF rotation applied to photos)."""

    kind: AssetType
    container: str
    width: int
    height: int
    file_size_bytes: int
    duration_seconds: float | None = None
    fps: float | None = None
    overall_bitrate_bps: int | None = None
    video_bitrate_bps: int | None = None
    video_codec: str | None = None
    audio_codec: str | None = None


def probe(path: Path) -> MediaInfo:
    """Describe the image or video at `path`.

    Raises `ProbeError` with FILE_CORRUPT for a truncated or unreadable file of a known kind,
    and INVALID_FORMAT for a file that holds neither a picture nor a video stream.
    """
    image_info = _probe_image(path)
    return image_info if image_info is not None else _probe_with_mediainfo(path)


def _probe_image(path: Path) -> MediaInfo | None:
    """Pillow's view, or None when Pillow does not recognise the file as an image it reads."""
    try:
        with Image.open(path, formats=PILLOW_FORMATS) as image:
            container = PILLOW_CONTAINERS.get(image.format or "", (image.format or "").lower())
            width, height = _displayed_size(image)
            if width * height <= FULL_DECODE_MAX_PIXELS:
                image.load()  # decoding every pixel is what proves a picture is whole
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return None  # MediaInfo still reads the header of a picture Pillow will not open
    except (OSError, SyntaxError, ValueError) as exc:
        raise ProbeError(
            FailureReason.FILE_CORRUPT,
            "The image could not be read; it may be damaged or incomplete. Try exporting it again.",
        ) from exc
    return MediaInfo(
        kind=AssetType.IMAGE,
        container=container,
        width=width,
        height=height,
        file_size_bytes=path.stat().st_size,
    )


def _displayed_size(image: Image.Image) -> tuple[int, int]:
    orientation = image.getexif().get(EXIF_ORIENTATION_TAG)
    width, height = image.size
    return (height, width) if orientation in QUARTER_TURN_ORIENTATIONS else (width, height)


def _probe_with_mediainfo(path: Path) -> MediaInfo:
    parsed = pymediainfo.MediaInfo.parse(path)
    general = _first_track(parsed.general_tracks)
    video = _first_track(parsed.video_tracks)
    audio = _first_track(parsed.audio_tracks)
    picture = _first_track(parsed.image_tracks)
    if general is None or general.format is None:
        raise ProbeError(
            FailureReason.INVALID_FORMAT,
            "This file is not an image or a video. Upload a JPEG or PNG image, or an MP4 video.",
        )
    if _is_truncated(general) or (video is None and audio is None and picture is None):
        raise ProbeError(
            FailureReason.FILE_CORRUPT,
            "The file is incomplete or damaged. Upload it again, or export it again first.",
        )
    if video is not None:
        return _video_info(path, general, video, audio)
    if picture is not None:
        return _picture_info(path, general, picture)
    raise ProbeError(
        FailureReason.INVALID_FORMAT,
        "This file has sound but no picture. Upload an image, or an MP4 video.",
    )


def _video_info(path: Path, general: Any, video: Any, audio: Any) -> MediaInfo:
    width, height = _integer(video.width), _integer(video.height)
    if not width or not height:
        raise ProbeError(FailureReason.FILE_CORRUPT, "The video's picture size could not be read.")
    duration_ms = _number(general.duration) or _number(video.duration)
    return MediaInfo(
        kind=AssetType.VIDEO,
        container=_container_id(general),
        width=width,
        height=height,
        file_size_bytes=path.stat().st_size,
        duration_seconds=duration_ms / 1000 if duration_ms is not None else None,
        # A variable-frame-rate stream is judged by its peak (§14 "≤30 FPS").
        fps=_number(video.maximum_frame_rate) or _number(video.frame_rate),
        overall_bitrate_bps=_integer(general.overall_bit_rate),
        video_bitrate_bps=_integer(video.bit_rate),
        video_codec=VIDEO_CODECS.get(video.format, str(video.format).lower()),
        audio_codec=_audio_codec_id(audio) if audio is not None else None,
    )


def _picture_info(path: Path, general: Any, picture: Any) -> MediaInfo:
    return MediaInfo(
        kind=AssetType.IMAGE,
        container=str(general.format).lower(),  # e.g. "heif": a photo Pillow does not read
        width=_integer(picture.width) or 0,
        height=_integer(picture.height) or 0,
        file_size_bytes=path.stat().st_size,
    )


def _container_id(general: Any) -> str:
    if general.format == "MPEG-4":
        # The MPEG-4 family shares one box structure; QuickTime and 3GPP are other containers.
        profile = str(general.format_profile or "")
        if "QuickTime" in profile:
            return "mov"
        return "3gp" if "3GPP" in profile else "mp4"
    return CONTAINERS.get(general.format, str(general.format).lower())


def _audio_codec_id(audio: Any) -> str:
    if audio.format == "MPEG Audio":
        return {"Layer 3": "mp3", "Layer 2": "mp2"}.get(audio.format_profile, "mpeg-audio")
    return AUDIO_CODECS.get(audio.format, str(audio.format).lower())


def _is_truncated(general: Any) -> bool:
    return str(general.to_data().get("istruncated", "")).lower() == "yes"


def _first_track(tracks: list[Any]) -> Any:
    return tracks[0] if tracks else None


def _number(value: object) -> float | None:
    """MediaInfo gives numbers as ints or strings ("1000.000000", "25.000 / 30.000")."""
    if value is None:
        return None
    match = _LEADING_NUMBER.match(str(value))
    return float(match.group(1)) if match else None


def _integer(value: object) -> int | None:
    number = _number(value)
    return round(number) if number is not None else None
