from __future__ import annotations

import uuid

import pytest

from signage.storage.keys import (
    InvalidKeyError,
    asset_original_key,
    asset_thumbnail_key,
    asset_upload_key,
    extension_for,
    validate_key,
)

TENANT = uuid.UUID("00000000-0000-4000-8000-000000000001")
ASSET = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


def test_asset_keys_live_under_the_tenant_prefix() -> None:
    assert asset_original_key(TENANT, ASSET, "mp4") == f"{TENANT}/assets/{ASSET}/original.mp4"
    assert asset_thumbnail_key(TENANT, ASSET) == f"{TENANT}/assets/{ASSET}/thumbnail.jpg"
    # Upload URLs name a staging key players never fetch (issue 13 item 3).
    assert asset_upload_key(TENANT, ASSET, "mp4") == f"{TENANT}/uploads/{ASSET}/original.mp4"


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "tenant/../../etc/passwd",
        "tenant/./original.mp4",
        "/absolute/path",
        "tenant//original.mp4",
        "tenant/",
        "",
        "tenant\\..\\secret",
        "tenant/.original.mp4.abc.part",  # the stores' own temp files are never keys
        "tenant/orig\x00inal.mp4",
        "tenant/orig\ninal.mp4",
        "tenant/ümlaut.jpg",
        "tenant/with space.jpg",
        "tenant/%2e%2e/x",
        "a" * 513,
    ],
)
def test_keys_that_could_escape_or_confuse_are_refused(key: str) -> None:
    with pytest.raises(InvalidKeyError):
        validate_key(key)


@pytest.mark.parametrize("extension", ["", "MP4", "mp4/../x", "a.b", "toolongextension"])
def test_extensions_are_plain_lowercase_words(extension: str) -> None:
    with pytest.raises(InvalidKeyError):
        asset_original_key(TENANT, ASSET, extension)


@pytest.mark.parametrize(
    ("content_type", "file_name", "extension"),
    [
        ("image/jpeg", "photo.JPEG", "jpg"),
        ("image/png; charset=binary", "x", "png"),
        ("video/mp4", "clip.mov", "mp4"),
        ("video/webm", "Clip.WEBM", "webm"),  # stored as sent; probing rejects it (§13.2)
        ("application/octet-stream", "../../evil", "bin"),
        ("application/octet-stream", "no-extension", "bin"),
    ],
)
def test_extension_prefers_the_declared_type_then_a_safe_file_suffix(
    content_type: str, file_name: str, extension: str
) -> None:
    assert extension_for(content_type, file_name) == extension
