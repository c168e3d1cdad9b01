"""Whether a probed file may become a READY asset: §6 formats and §14 constraints, as a pure
function of what the probe found, what the upload declared and the limits.

Decisions where the spec is silent:

* **Orientation.** "Exceeds 1920x1080" (§13.2) is judged orientation-free: the long side may be
  up to 1920 and the short side up to 1080. Screens can be portrait (device orientation §26.4,
  manifest `settings.orientation` §27.8.1), and 1080x1920 content for them is as much "1080p"
  as 1920x1080 is.
* **Frame rate.** §14 caps video at 30 FPS but §13.2 has no FPS reason. A faster video fails
  INVALID_CODEC: frame rate is an encoding parameter of the video stream, the supported decoding
  profile is H.264 at up to 1080p30, and the fix is the same as for a wrong codec (re-encode).
  The detail names the frame rate, so the user is told exactly what to change.
* **Declared size.** A stored file shorter than the upload declared is FILE_CORRUPT (truncated);
  a longer one is CHECKSUM_MISMATCH (it is not the file that was declared).
* **Rounding.** Exactly 1920x1080, 120 s, 10 Mbps and 30 FPS pass. Duration gets a
  0.1 s allowance because containers report the longest track, and AAC priming adds a few
  tens of milliseconds to a video exported as exactly 2:00.
* **Order.** One reason is reported: integrity first (size), then the limit on size, format,
  codecs, resolution, frame rate, duration, bitrate: what makes the file unusable before what
  merely needs a re-export.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from signage.config import Settings
from signage.enums import AssetType
from signage.media.failures import FailureReason
from signage.media.probe import MediaInfo

ACCEPTED_CONTAINERS = {
    AssetType.IMAGE: frozenset({"jpeg", "png"}),
    AssetType.VIDEO: frozenset({"mp4"}),
}
ACCEPTED_VIDEO_CODEC = "h264"
ACCEPTED_AUDIO_CODEC = "aac"
DURATION_ALLOWANCE_SECONDS = 0.1
MEBIBYTE = 1024 * 1024

CONTAINER_NAMES = {
    "jpeg": "JPEG",
    "png": "PNG",
    "mp4": "MP4",
    "mov": "QuickTime (MOV)",
    "3gp": "3GP",
    "webm": "WebM",
    "mkv": "Matroska (MKV)",
    "avi": "AVI",
    "gif": "GIF",
    "webp": "WebP",
    "heif": "HEIC",
}
CODEC_NAMES = {
    "h264": "H.264",
    "hevc": "HEVC (H.265)",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "mpeg2": "MPEG-2",
    "aac": "AAC",
    "mp3": "MP3",
    "opus": "Opus",
    "ac3": "Dolby Digital (AC-3)",
    "eac3": "Dolby Digital Plus (E-AC-3)",
}

# What the user reads for reasons no file check produces (§13.5 timeouts, crashes).
DEFAULT_DETAILS = {
    FailureReason.PROCESSING_TIMEOUT: "Processing took too long. Please upload the file again.",
    FailureReason.INTERNAL_ERROR: "Something went wrong while processing. Please try again.",
    FailureReason.CHECKSUM_MISMATCH: (
        "The stored file does not match the upload. Please upload the file again."
    ),
}


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """§14's numbers; the file size limit is the deployment's `max_upload_bytes`."""

    max_file_bytes: int
    max_long_side_px: int = 1920
    max_short_side_px: int = 1080
    max_duration_seconds: float = 120.0
    max_video_bitrate_bps: int = 10_000_000
    max_fps: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLimits:
        return cls(max_file_bytes=settings.max_upload_bytes)


@dataclass(frozen=True, slots=True)
class MediaVerdict:
    """OK (no reason), or the §13.2 reason with a detail for the phone screen."""

    reason: FailureReason | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    @classmethod
    def accept(cls) -> MediaVerdict:
        return cls()

    @classmethod
    def reject(cls, reason: FailureReason, detail: str | None = None) -> MediaVerdict:
        return cls(reason, detail or DEFAULT_DETAILS.get(reason, "The file was not accepted."))


def check_media(
    info: MediaInfo,
    declared_size: int,
    limits: MediaLimits,
    *,
    declared_type: AssetType | None = None,
) -> MediaVerdict:
    """Judge a probed file; the first broken rule (in the module docstring's order) wins."""
    checks: Iterable[Callable[[], MediaVerdict]] = (
        lambda: _check_declared_size(info.file_size_bytes, declared_size),
        lambda: _check_file_size(info.file_size_bytes, limits),
        lambda: _check_container(info, declared_type),
        lambda: _check_codecs(info),
        lambda: _check_resolution(info, limits),
        lambda: _check_fps(info, limits),
        lambda: _check_duration(info, limits),
        lambda: _check_bitrate(info, limits),
    )
    for check in checks:
        verdict = check()
        if not verdict.ok:
            return verdict
    return MediaVerdict.accept()


def check_integrity(
    *, actual_size: int, declared_size: int, actual_sha256: str, declared_sha256: str
) -> MediaVerdict:
    """The stored bytes must be the upload the client declared: its size, then its SHA-256."""
    size_verdict = _check_declared_size(actual_size, declared_size)
    if not size_verdict.ok:
        return size_verdict
    if declared_sha256.strip().lower() == actual_sha256.lower():
        return MediaVerdict.accept()
    return MediaVerdict.reject(FailureReason.CHECKSUM_MISMATCH)


def _check_declared_size(actual: int, declared: int) -> MediaVerdict:
    actual_text, declared_text = _sizes(actual, declared)
    if actual < declared:
        return MediaVerdict.reject(
            FailureReason.FILE_CORRUPT,
            f"The upload is incomplete: {actual_text} of {declared_text} arrived. "
            "Please upload the file again.",
        )
    if actual > declared:
        return MediaVerdict.reject(
            FailureReason.CHECKSUM_MISMATCH,
            f"The stored file is {actual_text}, but the upload declared {declared_text}. "
            "Please upload the file again.",
        )
    return MediaVerdict.accept()


def _check_file_size(actual: int, limits: MediaLimits) -> MediaVerdict:
    if actual <= limits.max_file_bytes:
        return MediaVerdict.accept()
    actual_text, limit_text = _sizes(actual, limits.max_file_bytes)
    return MediaVerdict.reject(
        FailureReason.FILE_SIZE_EXCEEDED, f"File is {actual_text}. The maximum is {limit_text}."
    )


def _check_container(info: MediaInfo, declared_type: AssetType | None) -> MediaVerdict:
    if info.container not in ACCEPTED_CONTAINERS[info.kind]:
        name = CONTAINER_NAMES.get(info.container, info.container.upper())
        return MediaVerdict.reject(
            FailureReason.INVALID_FORMAT,
            f"{name} files are not supported. Use a JPEG or PNG image, or an MP4 video.",
        )
    if declared_type is not None and declared_type is not info.kind:
        return MediaVerdict.reject(
            FailureReason.INVALID_FORMAT,
            f"This file is {_article(info.kind)}, but it was uploaded as "
            f"{_article(declared_type)}.",
        )
    return MediaVerdict.accept()


def _check_codecs(info: MediaInfo) -> MediaVerdict:
    if info.kind is not AssetType.VIDEO:
        return MediaVerdict.accept()
    if info.video_codec != ACCEPTED_VIDEO_CODEC:
        return _codec_rejection("Video", info.video_codec, ACCEPTED_VIDEO_CODEC)
    if info.audio_codec is not None and info.audio_codec != ACCEPTED_AUDIO_CODEC:
        return _codec_rejection("Audio", info.audio_codec, ACCEPTED_AUDIO_CODEC)
    return MediaVerdict.accept()


def _codec_rejection(stream: str, found: str | None, accepted: str) -> MediaVerdict:
    found_name = CODEC_NAMES.get(found or "", (found or "an unknown").upper())
    return MediaVerdict.reject(
        FailureReason.INVALID_CODEC,
        f"{stream} uses {found_name} codec. Only {CODEC_NAMES[accepted]} is supported.",
    )


def _check_resolution(info: MediaInfo, limits: MediaLimits) -> MediaVerdict:
    long_side, short_side = max(info.width, info.height), min(info.width, info.height)
    if long_side <= limits.max_long_side_px and short_side <= limits.max_short_side_px:
        return MediaVerdict.accept()
    return MediaVerdict.reject(
        FailureReason.RESOLUTION_EXCEEDED,
        f"{_noun(info.kind)} is {info.width}x{info.height}. The maximum is "
        f"{limits.max_long_side_px}x{limits.max_short_side_px} "
        f"({limits.max_short_side_px}x{limits.max_long_side_px} in portrait).",
    )


def _check_fps(info: MediaInfo, limits: MediaLimits) -> MediaVerdict:
    if info.fps is None or info.fps <= limits.max_fps:
        return MediaVerdict.accept()
    return MediaVerdict.reject(
        FailureReason.INVALID_CODEC,
        f"Video is {info.fps:g} frames per second. The maximum is {limits.max_fps:g}.",
    )


def _check_duration(info: MediaInfo, limits: MediaLimits) -> MediaVerdict:
    duration = info.duration_seconds
    if duration is None or duration <= limits.max_duration_seconds + DURATION_ALLOWANCE_SECONDS:
        return MediaVerdict.accept()
    return MediaVerdict.reject(
        FailureReason.DURATION_EXCEEDED,
        f"Video is {_seconds(duration)} long. "
        f"The maximum is {_seconds(limits.max_duration_seconds)}.",
    )


def _check_bitrate(info: MediaInfo, limits: MediaLimits) -> MediaVerdict:
    # The video stream's own rate when the container states it; else the whole file's (§14).
    bitrate = info.video_bitrate_bps or info.overall_bitrate_bps
    if bitrate is None or bitrate <= limits.max_video_bitrate_bps:
        return MediaVerdict.accept()
    return MediaVerdict.reject(
        FailureReason.BITRATE_EXCEEDED,
        f"Video bitrate is {bitrate / 1e6:.1f} Mbps. The maximum is "
        f"{limits.max_video_bitrate_bps / 1e6:g} Mbps.",
    )


def _sizes(first: int, second: int) -> tuple[str, str]:
    """Two sizes in MB or KB, or in bytes when rounding would make them read the same."""
    first_text, second_text = _size(first), _size(second)
    if first_text == second_text:
        return f"{first:,} bytes", f"{second:,} bytes"
    return first_text, second_text


def _size(size_bytes: int) -> str:
    if size_bytes < MEBIBYTE:
        return f"{max(1, round(size_bytes / 1024))} KB"
    return f"{size_bytes / MEBIBYTE:.1f}".removesuffix(".0") + " MB"


def _seconds(seconds: float) -> str:
    # Truncated to a tenth: 120.04 s must not read as "120", the limit it broke.
    return f"{math.floor(seconds * 10) / 10:g} seconds"


def _noun(kind: AssetType) -> str:
    return "Image" if kind is AssetType.IMAGE else "Video"


def _article(kind: AssetType) -> str:
    return "an image" if kind is AssetType.IMAGE else "a video"
