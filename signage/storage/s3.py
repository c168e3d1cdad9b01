"""Objects in an S3 bucket (AWS, MinIO, or moto in tests) with presigned URLs (§32.3).

With `cdn_base_url` set, download URLs keep the presigned path and query but point at the CDN
(§34.8 "devices download directly from CDN"). The CDN must forward path and query string to
the S3 endpoint and send the endpoint's Host header, so S3 itself still checks the signature
and expiry; the API never proxies bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from signage.config import Settings
from signage.media.checksum import ReadableStream
from signage.storage.base import (
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStorage,
    PresignedUpload,
    StorageError,
    check_upload_request,
    check_url_lifetime,
    utc_now,
)
from signage.storage.keys import validate_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class S3Storage(ObjectStorage):
    """One bucket; keys are the platform's tenant-prefixed keys, unchanged."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        max_object_bytes: int,
        cdn_base_url: str | None = None,
        public_endpoint: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.max_object_bytes = max_object_bytes
        self._cdn_base_url = cdn_base_url.rstrip("/") if cdn_base_url else None
        self._public_endpoint = public_endpoint.rstrip("/") if public_endpoint else None
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        if not settings.s3_bucket:
            raise ValueError("SIGNAGE_S3_BUCKET is not set")
        return cls(
            s3_client(settings),
            settings.s3_bucket,
            max_object_bytes=settings.max_upload_bytes,
            cdn_base_url=settings.cdn_base_url,
            public_endpoint=settings.s3_public_endpoint,
        )

    def presign_put(
        self, key: str, content_type: str, size: int, expires_at: datetime
    ) -> PresignedUpload:
        check_upload_request(content_type, size, self.max_object_bytes)
        params = {
            "Bucket": self.bucket,
            "Key": validate_key(key),
            "ContentType": content_type,
            "ContentLength": size,
        }
        url = self._public(self._presign("put_object", params, expires_at))
        return PresignedUpload(
            url=url, headers={"Content-Type": content_type}, expires_at=expires_at
        )

    def presign_get(self, key: str, expires_at: datetime) -> str:
        params = {"Bucket": self.bucket, "Key": validate_key(key)}
        url = self._presign("get_object", params, expires_at)
        return self._through_cdn(url) if self._cdn_base_url else self._public(url)

    def _presign(self, operation: str, params: dict[str, Any], expires_at: datetime) -> str:
        lifetime = check_url_lifetime(expires_at, self._clock())
        # Rounded up so the URL outlives `expires_at` by under a second, never falls short.
        seconds = math.ceil(lifetime.total_seconds())
        return self.client.generate_presigned_url(operation, Params=params, ExpiresIn=seconds)

    def _through_cdn(self, url: str) -> str:
        return _rebased(url, self._cdn_base_url or "")

    def _public(self, url: str) -> str:
        return _rebased(url, self._public_endpoint) if self._public_endpoint else url

    def head(self, key: str) -> ObjectInfo | None:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise
        return ObjectInfo(
            size=response["ContentLength"],
            etag=response["ETag"],
            content_type=response.get("ContentType"),
        )

    def open_read(self, key: str) -> AbstractContextManager[ReadableStream]:
        return self._open_body(validate_key(key))

    @contextmanager
    def _open_body(self, key: str) -> Iterator[ReadableStream]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            if _is_missing(exc):
                raise ObjectNotFoundError(key) from exc
            raise
        try:
            yield body
        finally:
            body.close()

    def put_bytes(self, key: str, data: bytes, content_type: str) -> ObjectInfo:
        # A single PUT is atomic in S3: readers see the old object or the new one.
        response = self.client.put_object(
            Bucket=self.bucket, Key=validate_key(key), Body=data, ContentType=content_type
        )
        return ObjectInfo(size=len(data), etag=response["ETag"], content_type=content_type)

    def put_file(self, key: str, path: Path, content_type: str) -> ObjectInfo:
        # Multipart for large files; S3 shows the object only once it is complete.
        self.client.upload_file(
            str(path), self.bucket, validate_key(key), ExtraArgs={"ContentType": content_type}
        )
        info = self.head(key)
        if info is None:
            raise StorageError(f"{key} was not stored")
        return info

    def list_keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=validate_key(prefix.rstrip("/")) + "/"
        )
        for page in pages:
            yield from (item["Key"] for item in page.get("Contents", []))

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (development, MinIO and test set-ups)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if not _is_missing(exc):
                raise
            self.client.create_bucket(Bucket=self.bucket)


def s3_client(settings: Settings) -> S3Client:
    """A boto3 S3 client for the configured endpoint (path-style for MinIO and moto)."""
    secret = settings.s3_secret_access_key
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if settings.s3_endpoint else "virtual"},
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )
    return client


def _rebased(url: str, base: str) -> str:
    """The signed URL's path and query under another base (a CDN or the store's public proxy)."""
    parts = urlsplit(url)
    return f"{base}{parts.path}?{parts.query}"


def _is_missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in MISSING_CODES
