"""Why processing failed (§13.2), and the typed errors the processing steps raise.

`FailureReason` is the platform's one §13.2 vocabulary (`signage.enums.AssetFailureReason`),
re-exported here so media code and the DB layer name the same enum.
"""

from __future__ import annotations

from signage.enums import AssetFailureReason as FailureReason

__all__ = ["FailureReason", "MediaError", "ProbeError", "ThumbnailError"]


class MediaError(Exception):
    """A processing step could not accept the file; carries the §13.2 reason and a detail
    written for the mobile app's failure screen."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ProbeError(MediaError):
    """The file is not a readable image or video (INVALID_FORMAT or FILE_CORRUPT)."""


class ThumbnailError(MediaError):
    """A probed, rule-abiding file still gave no picture for its thumbnail (THUMBNAIL_FAILED)."""

    def __init__(self, detail: str) -> None:
        super().__init__(FailureReason.THUMBNAIL_FAILED, detail)
