"""Object keys: every object lives under its tenant's prefix (§25.6 isolation, §32.3 storage).

    {tenantId}/uploads/{assetId}/original.{ext}   what the client's signed PUT writes
    {tenantId}/assets/{assetId}/original.{ext}    what players fetch (written by ingestion)
    {tenantId}/assets/{assetId}/thumbnail.jpg
    {tenantId}/screenshots/{deviceId}/{commandId}.jpg   a screen's CAPTURE_SCREENSHOT answer

Asset upload URLs only ever name `uploads/` keys (a screenshot's names its own command's key,
which no player fetches), and only ingestion writes `assets/` keys, from the
bytes it verified (issue 13 item 3): a presigned S3 PUT cannot be revoked, so an old upload URL
must not name anything a player fetches. An S3 deployment can enforce this in IAM too: the
identity that signs upload URLs needs PutObject on `*/uploads/*` only.

Keys are built here and nowhere else, and `validate_key` is the single gate every storage
operation passes, so no caller-supplied text can climb out of the media root or bucket prefix.
"""

from __future__ import annotations

import re
import uuid

# Segments are plain names: no dot-leading names (".." and the stores' own ".part" temp files),
# no separators, no control characters, nothing needing URL escaping.
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")
MAX_KEY_LENGTH = 512  # the assets.storage_key column width (§26.6)
EXTENSIONS_BY_CONTENT_TYPE = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}
FALLBACK_EXTENSION = "bin"


class InvalidKeyError(ValueError):
    """A storage key that could escape its prefix or is not one this platform makes."""


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a safe relative key; raise `InvalidKeyError` otherwise."""
    segments = key.split("/")
    if len(key) > MAX_KEY_LENGTH or not all(_SEGMENT.fullmatch(part) for part in segments):
        raise InvalidKeyError("storage key must be relative plain names separated by '/'")
    return key


def asset_original_key(tenant_id: uuid.UUID, asset_id: uuid.UUID, extension: str) -> str:
    """Where an asset's verified file is stored: what players fetch; immutable once READY."""
    return validate_key(f"{_asset_prefix(tenant_id, asset_id)}/{_original(extension)}")


def asset_upload_key(tenant_id: uuid.UUID, asset_id: uuid.UUID, extension: str) -> str:
    """Where the client's signed PUT stores an asset's file, until ingestion has verified it."""
    return validate_key(f"{tenant_id}/uploads/{asset_id}/{_original(extension)}")


def asset_thumbnail_key(tenant_id: uuid.UUID, asset_id: uuid.UUID) -> str:
    """Where an asset's JPEG thumbnail is stored."""
    return validate_key(f"{_asset_prefix(tenant_id, asset_id)}/thumbnail.jpg")


def screenshot_key(tenant_id: uuid.UUID, device_id: uuid.UUID, command_id: uuid.UUID) -> str:
    """Where a device uploads the JPEG a CAPTURE_SCREENSHOT command asked for (issue 19 item 3)."""
    return validate_key(f"{tenant_id}/screenshots/{device_id}/{command_id}.jpg")


def extension_for(content_type: str, file_name: str = "") -> str:
    """The stored file's extension: from the declared content type when it is a supported one,
    else the file name's own (sanitised), else "bin". The extension only helps humans and
    `Content-Type` guessing; what the file is gets decided by probing it (§13)."""
    known = EXTENSIONS_BY_CONTENT_TYPE.get(content_type.split(";")[0].strip().lower())
    if known:
        return known
    suffix = file_name.rpartition(".")[2].lower() if "." in file_name else ""
    return suffix if _EXTENSION.fullmatch(suffix) else FALLBACK_EXTENSION


def tenant_prefix(tenant_id: uuid.UUID) -> str:
    """The prefix under which all of a tenant's objects live."""
    return f"{tenant_id}/"


def _original(extension: str) -> str:
    if not _EXTENSION.fullmatch(extension):
        raise InvalidKeyError("extension must be 1-10 lowercase letters or digits")
    return f"original.{extension}"


def _asset_prefix(tenant_id: uuid.UUID, asset_id: uuid.UUID) -> str:
    return f"{tenant_id}/assets/{asset_id}"
