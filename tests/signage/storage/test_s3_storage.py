"""S3Storage against moto's real HTTP server: the client-side flow a phone and a player follow."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import httpx
import pytest

from signage.config import Settings
from signage.storage import ObjectNotFoundError, storage_from_settings
from signage.storage.s3 import S3Storage
from tests.support.s3 import s3_settings_for

KEY = "tenant-1/assets/asset-1/original.mp4"
THUMB_KEY = "tenant-1/assets/asset-1/thumbnail.jpg"
BODY = bytes(range(256)) * 400


def soon() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=10)


def test_presigned_upload_then_head_download_and_signed_get(
    s3_storage: S3Storage, tmp_path: Path
) -> None:
    upload = s3_storage.presign_put(KEY, "video/mp4", len(BODY), soon())
    response = httpx.put(upload.url, content=BODY, headers=dict(upload.headers))
    assert response.status_code == 200, response.text

    info = s3_storage.head(KEY)
    assert info is not None
    assert info.size == len(BODY)
    assert info.etag.strip('"') == hashlib.md5(BODY).hexdigest()  # noqa: S324 (S3's ETag)
    assert info.content_type == "video/mp4"

    assert s3_storage.download_to(KEY, tmp_path / "original.mp4") == len(BODY)
    assert (tmp_path / "original.mp4").read_bytes() == BODY

    download = httpx.get(s3_storage.presign_get(KEY, soon()))
    assert download.status_code == 200
    assert download.content == BODY
    resumed = httpx.get(s3_storage.presign_get(KEY, soon()), headers={"Range": "bytes=1000-"})
    assert resumed.status_code == 206
    assert resumed.content == BODY[1000:]


def test_put_bytes_open_read_and_delete(s3_storage: S3Storage) -> None:
    stored = s3_storage.put_bytes(THUMB_KEY, b"\xff\xd8thumb", "image/jpeg")
    assert stored == s3_storage.head(THUMB_KEY)
    with s3_storage.open_read(THUMB_KEY) as body:
        assert body.read() == b"\xff\xd8thumb"
    s3_storage.delete(THUMB_KEY)
    s3_storage.delete(THUMB_KEY)
    assert not s3_storage.exists(THUMB_KEY)


def test_missing_objects(s3_storage: S3Storage, tmp_path: Path) -> None:
    assert s3_storage.head(KEY) is None
    with pytest.raises(ObjectNotFoundError), s3_storage.open_read(KEY):
        pass
    with pytest.raises(ObjectNotFoundError):
        s3_storage.download_to(KEY, tmp_path / "never.mp4")
    assert list(tmp_path.iterdir()) == []


def test_with_a_cdn_download_urls_keep_the_signed_path_and_query(
    s3_endpoint: str, tmp_path: Path
) -> None:
    settings = s3_settings_for(s3_endpoint, tmp_path, cdn_base_url="https://cdn.example.com/")
    storage = S3Storage.from_settings(settings)
    direct = S3Storage(storage.client, storage.bucket, max_object_bytes=1).presign_get(KEY, soon())
    via_cdn = storage.presign_get(KEY, soon())
    assert via_cdn.startswith(f"https://cdn.example.com/{settings.s3_bucket}/{KEY}?")
    assert "X-Amz-Signature=" in via_cdn
    assert via_cdn.split("?")[0].removeprefix("https://cdn.example.com") == httpx.URL(direct).path


def test_uploads_are_not_routed_through_the_cdn(s3_endpoint: str, tmp_path: Path) -> None:
    settings = s3_settings_for(s3_endpoint, tmp_path, cdn_base_url="https://cdn.example.com")
    upload = S3Storage.from_settings(settings).presign_put(KEY, "video/mp4", 10, soon())
    assert upload.url.startswith(s3_endpoint)


def test_keys_are_validated_before_any_request(s3_storage: S3Storage) -> None:
    with pytest.raises(ValueError, match="storage key"):
        s3_storage.presign_get("../other-tenant/x", soon())


@pytest.mark.parametrize("size", [0, 200 * 1024 * 1024 + 1])
def test_upload_size_must_be_positive_and_within_the_limit(
    s3_storage: S3Storage, size: int
) -> None:
    with pytest.raises(ValueError, match="size"):
        s3_storage.presign_put(KEY, "video/mp4", size, soon())


def test_settings_with_a_bucket_give_s3_storage(s3_settings: Settings) -> None:
    storage = storage_from_settings(s3_settings)
    assert isinstance(storage, S3Storage)
    assert storage.bucket == s3_settings.s3_bucket


def test_ensure_bucket_is_idempotent(s3_storage: S3Storage, s3_endpoint: str) -> None:
    s3_storage.ensure_bucket()
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    names = [bucket["Name"] for bucket in client.list_buckets()["Buckets"]]
    assert s3_storage.bucket in names


def test_a_public_endpoint_carries_upload_and_download_urls_with_their_signature(
    s3_endpoint: str, tmp_path: Path
) -> None:
    """Issue 16: behind a proxy that forwards to the store with its own Host header, clients
    get the proxy's address; the signed path and query are the store's, so they still work."""
    public = "https://media.example.com/s3"
    settings = s3_settings_for(s3_endpoint, tmp_path, s3_public_endpoint=public)
    storage = S3Storage.from_settings(settings)
    storage.ensure_bucket()
    upload = storage.presign_put(KEY, "video/mp4", len(BODY), soon())
    download = storage.presign_get(KEY, soon())
    assert upload.url.startswith(f"{public}/{settings.s3_bucket}/{KEY}?")
    assert download.startswith(f"{public}/{settings.s3_bucket}/{KEY}?")

    def as_the_proxy_forwards(url: str) -> str:
        return s3_endpoint + url.removeprefix(public)

    put = httpx.put(as_the_proxy_forwards(upload.url), content=BODY, headers=upload.headers)
    assert put.status_code == 200, put.text
    assert httpx.get(as_the_proxy_forwards(download)).content == BODY
