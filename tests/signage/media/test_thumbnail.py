from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from signage.enums import AssetType
from signage.media.failures import FailureReason, ThumbnailError
from signage.media.thumbnail import make_thumbnail
from tests.support.media_samples import MediaSamples


def picture(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    return image


def test_full_hd_image_thumbnail_is_bounded_and_keeps_aspect(media_samples: MediaSamples) -> None:
    thumbnail = picture(make_thumbnail(media_samples.path("full_hd_jpeg"), AssetType.IMAGE))
    assert thumbnail.size == (480, 270)


def test_small_image_is_not_enlarged(media_samples: MediaSamples) -> None:
    thumbnail = make_thumbnail(media_samples.path("png"), AssetType.IMAGE, max_px=1000)
    assert picture(thumbnail).size == (320, 180)


def test_transparent_png_is_flattened_onto_black(tmp_path: Path) -> None:
    path = tmp_path / "clear.png"
    Image.new("RGBA", (40, 20), (255, 255, 255, 0)).save(path)
    thumbnail = picture(make_thumbnail(path, AssetType.IMAGE))
    assert thumbnail.mode == "RGB"
    assert thumbnail.getpixel((10, 10)) == (0, 0, 0)


def test_video_thumbnail_is_a_decoded_frame(media_samples: MediaSamples) -> None:
    thumbnail = picture(make_thumbnail(media_samples.path("mp4"), AssetType.VIDEO))
    assert thumbnail.size == (64, 36)
    darkest, brightest = thumbnail.convert("L").getextrema()
    assert isinstance(darkest, int)
    assert isinstance(brightest, int)
    assert brightest - darkest > 50  # the moving bar, not a blank frame


def test_video_without_decodable_frames_fails_thumbnail(media_samples: MediaSamples) -> None:
    with pytest.raises(ThumbnailError) as raised:
        make_thumbnail(media_samples.path("undecodable_mp4"), AssetType.VIDEO)
    assert raised.value.reason is FailureReason.THUMBNAIL_FAILED


@pytest.mark.parametrize("name", ["truncated_png", "bomb_png"])
def test_undecodable_or_oversized_image_fails_thumbnail(
    media_samples: MediaSamples, name: str
) -> None:
    with pytest.raises(ThumbnailError):
        make_thumbnail(media_samples.path(name), AssetType.IMAGE)
