"""The configured object store: S3 when a bucket is set, else local disk (DESIGN.md defaults)."""

from __future__ import annotations

from signage.config import Settings
from signage.storage.base import ObjectStorage


def storage_from_settings(settings: Settings) -> ObjectStorage:
    """`S3Storage` when `SIGNAGE_S3_BUCKET` is set, else `LocalStorage` under the media dir."""
    if settings.uses_s3:
        from signage.storage.s3 import S3Storage  # boto3 loads only where S3 is used

        return S3Storage.from_settings(settings)
    from signage.storage.local import LocalStorage

    return LocalStorage.from_settings(settings)
