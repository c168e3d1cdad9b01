"""rules.check_media as a pure function: §14 boundaries, the spec-silent decisions, details."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signage.enums import AssetType
from signage.media.failures import FailureReason
from signage.media.probe import MediaInfo
from signage.media.rules import MediaLimits, MediaVerdict, check_integrity, check_media

LIMITS = MediaLimits(max_file_bytes=200 * 1024 * 1024)
SIZE = 5_000_000
VIDEO = MediaInfo(
    kind=AssetType.VIDEO,
    container="mp4",
    width=1920,
    height=1080,
    file_size_bytes=SIZE,
    duration_seconds=30.0,
    fps=30.0,
    overall_bitrate_bps=8_000_000,
    video_bitrate_bps=7_800_000,
    video_codec="h264",
    audio_codec="aac",
)
IMAGE = MediaInfo(
    kind=AssetType.IMAGE, container="jpeg", width=1920, height=1080, file_size_bytes=SIZE
)


def verdict_for(info: MediaInfo, **kwargs: object) -> MediaVerdict:
    return check_media(info, info.file_size_bytes, LIMITS, **kwargs)  # type: ignore[arg-type]


def test_exact_limits_pass_for_video() -> None:
    at_limits = replace(VIDEO, duration_seconds=120.0, video_bitrate_bps=10_000_000, fps=30.0)
    assert verdict_for(at_limits) == MediaVerdict.accept()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920), (1280, 720), (1, 1)])
def test_resolutions_within_1080p_either_orientation_pass(width: int, height: int) -> None:
    assert verdict_for(replace(IMAGE, width=width, height=height)).ok
    assert verdict_for(replace(VIDEO, width=width, height=height)).ok


@pytest.mark.parametrize(
    ("width", "height"), [(1921, 1080), (1920, 1081), (1081, 1920), (1080, 1921), (3840, 2160)]
)
def test_a_pixel_past_1080p_is_resolution_exceeded(width: int, height: int) -> None:
    verdict = verdict_for(replace(IMAGE, width=width, height=height))
    assert verdict.reason is FailureReason.RESOLUTION_EXCEEDED
    assert f"{width}x{height}" in (verdict.detail or "")


def test_duration_allows_a_tenth_of_a_second_of_container_rounding() -> None:
    assert verdict_for(replace(VIDEO, duration_seconds=120.1)).ok
    verdict = verdict_for(replace(VIDEO, duration_seconds=120.2))
    assert verdict.reason is FailureReason.DURATION_EXCEEDED
    assert verdict.detail == "Video is 120.2 seconds long. The maximum is 120 seconds."


def test_one_bit_per_second_over_10_mbps_is_bitrate_exceeded() -> None:
    verdict = verdict_for(replace(VIDEO, video_bitrate_bps=10_000_001))
    assert verdict.reason is FailureReason.BITRATE_EXCEEDED


def test_bitrate_falls_back_to_the_whole_file_when_the_stream_states_none() -> None:
    verdict = verdict_for(replace(VIDEO, video_bitrate_bps=None, overall_bitrate_bps=12_000_000))
    assert verdict.reason is FailureReason.BITRATE_EXCEEDED
    assert verdict.detail == "Video bitrate is 12.0 Mbps. The maximum is 10 Mbps."


def test_over_30_fps_is_an_invalid_codec_setting() -> None:
    assert verdict_for(replace(VIDEO, fps=29.97)).ok
    verdict = verdict_for(replace(VIDEO, fps=60.0))
    assert verdict.reason is FailureReason.INVALID_CODEC
    assert verdict.detail == "Video is 60 frames per second. The maximum is 30."


def test_codec_details_read_like_the_spec_example() -> None:
    verdict = verdict_for(replace(VIDEO, video_codec="vp9"))
    assert verdict.reason is FailureReason.INVALID_CODEC
    assert verdict.detail == "Video uses VP9 codec. Only H.264 is supported."  # §13.2
    audio = verdict_for(replace(VIDEO, audio_codec="mp3"))
    assert audio.detail == "Audio uses MP3 codec. Only AAC is supported."


def test_video_without_audio_is_fine() -> None:
    assert verdict_for(replace(VIDEO, audio_codec=None)).ok


@pytest.mark.parametrize(
    ("info", "name"),
    [
        (replace(VIDEO, container="webm"), "WebM"),
        (replace(VIDEO, container="mov"), "QuickTime (MOV)"),
        (replace(IMAGE, container="gif"), "GIF"),
        (replace(IMAGE, container="heif"), "HEIC"),
    ],
)
def test_unsupported_containers_are_invalid_format(info: MediaInfo, name: str) -> None:
    verdict = verdict_for(info)
    assert verdict.reason is FailureReason.INVALID_FORMAT
    assert (verdict.detail or "").startswith(f"{name} files are not supported.")


def test_a_video_uploaded_as_an_image_is_invalid_format() -> None:
    verdict = verdict_for(VIDEO, declared_type=AssetType.IMAGE)
    assert verdict.reason is FailureReason.INVALID_FORMAT
    assert verdict.detail == "This file is a video, but it was uploaded as an image."


def test_file_size_limit_is_inclusive() -> None:
    limits = MediaLimits(max_file_bytes=SIZE)
    assert check_media(IMAGE, SIZE, limits).ok
    bigger = replace(IMAGE, file_size_bytes=SIZE + 1)
    verdict = check_media(bigger, SIZE + 1, limits)
    assert verdict.reason is FailureReason.FILE_SIZE_EXCEEDED
    assert verdict.detail == "File is 5,000,001 bytes. The maximum is 5,000,000 bytes."
    huge = replace(IMAGE, file_size_bytes=250 * 1024 * 1024)
    assert check_media(huge, huge.file_size_bytes, LIMITS).detail == (
        "File is 250 MB. The maximum is 200 MB."
    )


def test_stored_file_shorter_than_declared_is_corrupt_and_longer_is_a_mismatch() -> None:
    shorter = check_media(IMAGE, SIZE + 10, LIMITS)
    assert shorter.reason is FailureReason.FILE_CORRUPT
    longer = check_media(IMAGE, SIZE - 10, LIMITS)
    assert longer.reason is FailureReason.CHECKSUM_MISMATCH


def test_integrity_compares_size_then_sha256_case_insensitively() -> None:
    digest = "ab" * 32
    same = check_integrity(
        actual_size=3, declared_size=3, actual_sha256=digest, declared_sha256=digest.upper()
    )
    assert same.ok
    other = check_integrity(
        actual_size=3, declared_size=3, actual_sha256=digest, declared_sha256="cd" * 32
    )
    assert other.reason is FailureReason.CHECKSUM_MISMATCH
    short = check_integrity(
        actual_size=2, declared_size=3, actual_sha256=digest, declared_sha256="cd" * 32
    )
    assert short.reason is FailureReason.FILE_CORRUPT


def test_the_first_broken_rule_is_reported() -> None:
    everything_wrong = replace(VIDEO, container="webm", video_codec="vp9", width=3840, fps=60)
    assert verdict_for(everything_wrong).reason is FailureReason.INVALID_FORMAT


@pytest.mark.parametrize("reason", [FailureReason.PROCESSING_TIMEOUT, FailureReason.INTERNAL_ERROR])
def test_reasons_without_a_file_check_still_carry_a_detail(reason: FailureReason) -> None:
    verdict = MediaVerdict.reject(reason)
    assert verdict.reason is reason
    assert verdict.detail


@given(
    width=st.integers(1, 8000),
    height=st.integers(1, 8000),
    duration=st.floats(0, 1000),
    fps=st.floats(1, 240),
    bitrate=st.integers(1, 100_000_000),
    video_codec=st.sampled_from(["h264", "vp9", "hevc", "av1", "mpeg4", "theora"]),
    audio_codec=st.sampled_from([None, "aac", "mp3", "opus", "flac"]),
    container=st.sampled_from(["mp4", "webm", "mov", "mkv", "avi"]),
)
def test_every_rejection_has_a_short_detail_for_a_phone_screen(
    width: int,
    height: int,
    duration: float,
    fps: float,
    bitrate: int,
    video_codec: str,
    audio_codec: str | None,
    container: str,
) -> None:
    info = replace(
        VIDEO,
        width=width,
        height=height,
        duration_seconds=duration,
        fps=fps,
        video_bitrate_bps=bitrate,
        video_codec=video_codec,
        audio_codec=audio_codec,
        container=container,
    )
    verdict = verdict_for(info)
    if not verdict.ok:
        assert verdict.detail
        assert len(verdict.detail) <= 120
        assert verdict.detail.endswith(".")
