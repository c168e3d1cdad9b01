"""Every §13.2 reason a real file can cause, from crafted files through the whole inspection:
integrity, probe, rules, thumbnail (`inspect_upload`, what the ingestion pipeline calls)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from signage.enums import AssetType
from signage.media.checksum import sha256_file
from signage.media.failures import FailureReason
from signage.media.ingest import Inspection, inspect_upload
from signage.media.rules import MediaLimits
from tests.support.media_samples import MediaSamples

LIMITS = MediaLimits(max_file_bytes=200 * 1024 * 1024)


def inspect(path: Path, limits: MediaLimits = LIMITS, **overrides: object) -> Inspection:
    declared: dict[str, object] = {
        "declared_size": path.stat().st_size,
        "declared_sha256": sha256_file(path),
        "limits": limits,
    }
    declared.update(overrides)
    return inspect_upload(path, **declared)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("jpeg", AssetType.IMAGE),
        ("png", AssetType.IMAGE),
        ("full_hd_jpeg", AssetType.IMAGE),
        ("two_mb_jpeg", AssetType.IMAGE),  # §14 "recommended ≤2 MB" is advice, not a rule
        ("mp4", AssetType.VIDEO),
        ("faststart_mp4", AssetType.VIDEO),
        ("silent_mp4", AssetType.VIDEO),
    ],
)
def test_supported_media_is_accepted_with_metadata_and_thumbnail(
    media_samples: MediaSamples, name: str, kind: AssetType
) -> None:
    path = media_samples.path(name)
    result = inspect(path, declared_type=kind)
    assert result.verdict.ok, result.verdict.detail
    assert result.info is not None
    assert result.info.kind is kind
    assert result.sha256 == sha256_file(path)
    assert result.thumbnail_jpeg is not None
    assert result.thumbnail_jpeg.startswith(b"\xff\xd8")


@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("webm", FailureReason.INVALID_FORMAT, "WebM files are not supported."),
        ("text", FailureReason.INVALID_FORMAT, "This file is not an image or a video."),
        ("vp9_mp4", FailureReason.INVALID_CODEC, "Video uses VP9 codec. Only H.264 is supported."),
        ("mpeg4_mp4", FailureReason.INVALID_CODEC, "Video uses MPEG-4 Part 2 codec."),
        ("mp3_audio_mp4", FailureReason.INVALID_CODEC, "Audio uses MP3 codec."),
        ("fps60_mp4", FailureReason.INVALID_CODEC, "Video is 60 frames per second."),
        ("uhd_png", FailureReason.RESOLUTION_EXCEEDED, "Image is 3840x2160."),
        # Judged from its header alone: 900 megapixels are never decoded.
        ("bomb_png", FailureReason.RESOLUTION_EXCEEDED, "Image is 30000x30000."),
        ("long_mp4", FailureReason.DURATION_EXCEEDED, "Video is 121 seconds long."),
        ("high_bitrate_mp4", FailureReason.BITRATE_EXCEEDED, "Video bitrate is 1"),
        ("truncated_mp4", FailureReason.FILE_CORRUPT, "The file is incomplete or damaged."),
        ("truncated_faststart_mp4", FailureReason.FILE_CORRUPT, "The file is incomplete"),
        ("truncated_png", FailureReason.FILE_CORRUPT, "The image could not be read"),
        ("undecodable_mp4", FailureReason.THUMBNAIL_FAILED, "A preview could not be made"),
    ],
)
def test_each_crafted_file_fails_with_its_reason(
    media_samples: MediaSamples, name: str, reason: FailureReason, detail: str
) -> None:
    result = inspect(media_samples.path(name))
    assert result.verdict.reason is reason
    assert (result.verdict.detail or "").startswith(detail)
    assert result.thumbnail_jpeg is None


def test_file_over_the_size_limit_is_file_size_exceeded(media_samples: MediaSamples) -> None:
    result = inspect(media_samples.path("two_mb_jpeg"), MediaLimits(max_file_bytes=1024 * 1024))
    assert result.verdict.reason is FailureReason.FILE_SIZE_EXCEEDED
    assert result.verdict.detail == "File is 2 MB. The maximum is 1 MB."


def test_bytes_that_differ_from_the_declared_checksum_are_a_mismatch(
    media_samples: MediaSamples,
) -> None:
    result = inspect(media_samples.path("jpeg"), declared_sha256="0" * 64)
    assert result.verdict.reason is FailureReason.CHECKSUM_MISMATCH
    assert result.info is None  # integrity is checked before anything reads the media


def test_a_partial_upload_is_corrupt_before_it_is_probed(media_samples: MediaSamples) -> None:
    path = media_samples.path("mp4")
    result = inspect(path, declared_size=path.stat().st_size + 100)
    assert result.verdict.reason is FailureReason.FILE_CORRUPT
    assert (result.verdict.detail or "").startswith("The upload is incomplete")


def test_a_video_declared_as_an_image_is_invalid_format(media_samples: MediaSamples) -> None:
    result = inspect(media_samples.path("mp4"), declared_type=AssetType.IMAGE)
    assert result.verdict.reason is FailureReason.INVALID_FORMAT


def test_an_unexpected_failure_becomes_internal_error(tmp_path: Path) -> None:
    # A directory where a file should be: nothing a user did, so INTERNAL_ERROR (§13.2).
    result = inspect_upload(tmp_path, declared_size=1, declared_sha256="0" * 64, limits=LIMITS)
    assert result.verdict.reason is FailureReason.INTERNAL_ERROR
    assert result.verdict.detail


@pytest.mark.parametrize(("pillow_format", "name"), [("GIF", "GIF"), ("WEBP", "WebP")])
def test_other_picture_formats_are_invalid_format(
    tmp_path: Path, pillow_format: str, name: str
) -> None:
    path = tmp_path / f"picture.{pillow_format.lower()}"
    Image.new("RGB", (32, 18), "blue").save(path, pillow_format)
    result = inspect(path)
    assert result.verdict.reason is FailureReason.INVALID_FORMAT
    assert result.verdict.detail == (
        f"{name} files are not supported. Use a JPEG or PNG image, or an MP4 video."
    )
