"""One uploaded file from disk to a verdict (§13 steps 3-5): integrity, probe, rules, thumbnail.

The pipeline downloads the stored object, calls `inspect_upload`, and records the result; it
never needs to know which step failed or how.

Where FILE_CORRUPT ends and THUMBNAIL_FAILED begins (§13.2 "media is valid but thumbnail
generation failed"): the probe decodes pictures in full but reads only a video's container and
stream headers. A truncated picture or video is therefore FILE_CORRUPT, while a video whose
headers are sound but whose frames cannot be decoded is first caught by the thumbnail, the first
step that decodes a frame, and fails THUMBNAIL_FAILED. PROCESSING_TIMEOUT is decided by the
pipeline's clock (§13.5), not here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from signage.enums import AssetType
from signage.media.checksum import sha256_file
from signage.media.failures import FailureReason, MediaError
from signage.media.probe import MediaInfo, probe
from signage.media.rules import MediaLimits, MediaVerdict, check_integrity, check_media
from signage.media.thumbnail import make_thumbnail

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Inspection:
    """The verdict, plus whatever was learnt before the first failure."""

    verdict: MediaVerdict
    sha256: str | None = None
    info: MediaInfo | None = None
    thumbnail_jpeg: bytes | None = None


def inspect_upload(
    path: Path,
    *,
    declared_size: int,
    declared_sha256: str,
    limits: MediaLimits,
    declared_type: AssetType | None = None,
) -> Inspection:
    """Check the file at `path` in §13's order and return the first failure, or READY data."""
    try:
        return _inspect(path, declared_size, declared_sha256, limits, declared_type)
    except Exception:
        # §13.2 INTERNAL_ERROR: an asset must never stay PROCESSING because of a bug here.
        log.exception("media inspection failed unexpectedly", extra={"file": path.name})
        return Inspection(MediaVerdict.reject(FailureReason.INTERNAL_ERROR))


def _inspect(
    path: Path,
    declared_size: int,
    declared_sha256: str,
    limits: MediaLimits,
    declared_type: AssetType | None,
) -> Inspection:
    sha256 = sha256_file(path)
    integrity = check_integrity(
        actual_size=path.stat().st_size,
        declared_size=declared_size,
        actual_sha256=sha256,
        declared_sha256=declared_sha256,
    )
    if not integrity.ok:
        return Inspection(integrity, sha256)
    try:
        info = probe(path)
        verdict = check_media(info, declared_size, limits, declared_type=declared_type)
        if not verdict.ok:
            return Inspection(verdict, sha256, info)
        thumbnail = make_thumbnail(path, info.kind)
    except MediaError as error:
        return Inspection(MediaVerdict.reject(error.reason, error.detail), sha256)
    return Inspection(MediaVerdict.accept(), sha256, info, thumbnail)
