"""Object storage for media (§32.3): one interface, a local-disk store served by the API's signed
media origin, and an S3 store. Build keys with `signage.storage.keys`."""

from signage.storage.base import (
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStorage,
    PresignedUpload,
    StorageError,
)
from signage.storage.factory import storage_from_settings
from signage.storage.keys import InvalidKeyError

__all__ = [
    "InvalidKeyError",
    "ObjectInfo",
    "ObjectNotFoundError",
    "ObjectStorage",
    "PresignedUpload",
    "StorageError",
    "storage_from_settings",
]
