"""probe() on real files made by PyAV and Pillow."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from signage.enums import AssetType
from signage.media.failures import FailureReason, ProbeError
from signage.media.probe import probe
from tests.support.media_samples import MediaSamples


def test_mp4_reports_container_codecs_and_timing(media_samples: MediaSamples) -> None:
    info = probe(media_samples.path("mp4"))
    assert info.kind is AssetType.VIDEO
    assert (info.container, info.video_codec, info.audio_codec) == ("mp4", "h264", "aac")
    assert (info.width, info.height, info.fps) == (64, 36, 5.0)
    assert info.duration_seconds == pytest.approx(1.0, abs=0.05)
    assert info.overall_bitrate_bps
    assert info.video_bitrate_bps
    assert info.file_size_bytes == media_samples.path("mp4").stat().st_size


def test_silent_mp4_has_no_audio_codec(media_samples: MediaSamples) -> None:
    assert probe(media_samples.path("silent_mp4")).audio_codec is None


@pytest.mark.parametrize(("name", "container"), [("jpeg", "jpeg"), ("png", "png")])
def test_images_report_container_and_size(
    media_samples: MediaSamples, name: str, container: str
) -> None:
    info = probe(media_samples.path(name))
    assert (info.kind, info.container, info.width, info.height) == (
        AssetType.IMAGE,
        container,
        320,
        180,
    )
    assert info.duration_seconds is None


def test_webm_probes_as_a_webm_video(media_samples: MediaSamples) -> None:
    info = probe(media_samples.path("webm"))
    assert (info.kind, info.container, info.video_codec, info.audio_codec) == (
        AssetType.VIDEO,
        "webm",
        "vp9",
        "opus",
    )


def test_photo_rotated_by_exif_reports_its_displayed_size(tmp_path: Path) -> None:
    path = tmp_path / "portrait.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated a quarter turn
    Image.new("RGB", (64, 36), "red").save(path, "JPEG", exif=exif)
    info = probe(path)
    assert (info.width, info.height) == (36, 64)


@pytest.mark.parametrize("name", ["truncated_mp4", "truncated_faststart_mp4", "truncated_png"])
def test_truncated_files_are_corrupt(media_samples: MediaSamples, name: str) -> None:
    with pytest.raises(ProbeError) as raised:
        probe(media_samples.path(name))
    assert raised.value.reason is FailureReason.FILE_CORRUPT


def test_a_text_file_is_not_a_supported_format(media_samples: MediaSamples) -> None:
    with pytest.raises(ProbeError) as raised:
        probe(media_samples.path("text"))
    assert raised.value.reason is FailureReason.INVALID_FORMAT
