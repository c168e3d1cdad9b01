"""Closed vocabularies of the platform, shared by the models, the domain and the wire (§26, §27)."""

from enum import StrEnum


class TenantStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class UserStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class TenantRole(StrEnum):  # §25.4
    TENANT_ADMIN = "TENANT_ADMIN"
    TENANT_VIEWER = "TENANT_VIEWER"


class VenueRole(StrEnum):  # §25.4: VIEWER < EDITOR < MANAGER
    VENUE_VIEWER = "VENUE_VIEWER"
    VENUE_EDITOR = "VENUE_EDITOR"
    VENUE_MANAGER = "VENUE_MANAGER"

    @property
    def rank(self) -> int:
        return _VENUE_ROLE_RANK[self]


_VENUE_ROLE_RANK = {
    VenueRole.VENUE_VIEWER: 1,
    VenueRole.VENUE_EDITOR: 2,
    VenueRole.VENUE_MANAGER: 3,
}


class Capability(StrEnum):  # §25.4 capability flags
    EDIT_SHARED_LIBRARY = "EDIT_SHARED_LIBRARY"


class RefreshTokenStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ROTATED = "ROTATED"
    REVOKED = "REVOKED"


class PasswordLinkPurpose(StrEnum):
    """What a one-time set-your-password link was sent for (issue 19 item 9)."""

    INVITATION = "INVITATION"
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105 (a purpose, not a password)


class RunMode(StrEnum):  # §19
    SHARED = "SHARED"
    KIOSK = "KIOSK"


class Orientation(StrEnum):
    LANDSCAPE = "LANDSCAPE"
    PORTRAIT = "PORTRAIT"


class DeviceLifecycle(StrEnum):
    ACTIVE = "ACTIVE"
    REMOVED = "REMOVED"


class PairingStatus(StrEnum):  # §26.5
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"


class DeviceTokenStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class ContentScope(StrEnum):  # §6 Content Scope
    TENANT = "TENANT"
    VENUE = "VENUE"


class AssetType(StrEnum):
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


class AssetStatus(StrEnum):  # §6, §13.1
    DRAFT = "DRAFT"
    UPLOADING = "UPLOADING"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


class AssetFailureReason(StrEnum):  # §13.2
    INVALID_FORMAT = "INVALID_FORMAT"
    INVALID_CODEC = "INVALID_CODEC"
    RESOLUTION_EXCEEDED = "RESOLUTION_EXCEEDED"
    DURATION_EXCEEDED = "DURATION_EXCEEDED"
    BITRATE_EXCEEDED = "BITRATE_EXCEEDED"
    FILE_SIZE_EXCEEDED = "FILE_SIZE_EXCEEDED"
    FILE_CORRUPT = "FILE_CORRUPT"
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    THUMBNAIL_FAILED = "THUMBNAIL_FAILED"
    PROCESSING_TIMEOUT = "PROCESSING_TIMEOUT"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class UploadSessionStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"


class PublishSource(StrEnum):
    PUBLISH = "PUBLISH"
    ROLLBACK = "ROLLBACK"


class SlotTargetType(StrEnum):  # §26.8
    DEVICE = "DEVICE"
    GROUP = "GROUP"


class OverrideTargetType(StrEnum):
    VENUE = "VENUE"
    GROUP = "GROUP"
    DEVICE = "DEVICE"


class PlayerState(StrEnum):  # §27.8.2 heartbeat `state`
    PLAYING = "PLAYING"
    ERROR_SCREEN = "ERROR_SCREEN"
    PAIRING = "PAIRING"
    BOOTING = "BOOTING"


class NetworkType(StrEnum):
    ETHERNET = "ETHERNET"
    WIFI = "WIFI"
    NONE = "NONE"


class EventSeverity(StrEnum):  # §27.8.3
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class DeviceEventType(StrEnum):  # §27.8.3 defined event types
    APP_STARTED = "APP_STARTED"
    PLAYBACK_FAILED = "PLAYBACK_FAILED"
    DOWNLOAD_FAILED = "DOWNLOAD_FAILED"
    MANIFEST_FETCH_FAILED = "MANIFEST_FETCH_FAILED"
    MANIFEST_STAGED = "MANIFEST_STAGED"
    MANIFEST_APPLIED = "MANIFEST_APPLIED"
    MANIFEST_REJECTED = "MANIFEST_REJECTED"
    OFFLINE_ENTERED = "OFFLINE_ENTERED"
    ONLINE_RESTORED = "ONLINE_RESTORED"
    FALLBACK_TO_PREVIOUS_MANIFEST = "FALLBACK_TO_PREVIOUS_MANIFEST"
    NO_PLAYABLE_CONTENT = "NO_PLAYABLE_CONTENT"
    ERROR_SCREEN_ENTERED = "ERROR_SCREEN_ENTERED"
    LOCAL_MANIFEST_CORRUPT = "LOCAL_MANIFEST_CORRUPT"
    COMMAND_EXECUTED = "COMMAND_EXECUTED"
    COMMAND_FAILED = "COMMAND_FAILED"
    DEVICE_TOKEN_INVALID = "DEVICE_TOKEN_INVALID"  # noqa: S105 (an event name)
    CACHE_EVICTION = "CACHE_EVICTION"
    # Extension (issue 15 item 4): a type this server does not know; the event is kept as sent
    UNRECOGNIZED = "UNRECOGNIZED"


class CommandType(StrEnum):  # §18, §28.7
    REQUEST_MANIFEST_REFRESH = "REQUEST_MANIFEST_REFRESH"
    RESTART_PLAYBACK_LOOP = "RESTART_PLAYBACK_LOOP"
    CLEAR_CACHE_UNUSED = "CLEAR_CACHE_UNUSED"
    CLEAR_CACHE_ALL = "CLEAR_CACHE_ALL"
    REBOOT_APP = "REBOOT_APP"
    SET_LOG_LEVEL = "SET_LOG_LEVEL"
    ENABLE_DIAGNOSTICS = "ENABLE_DIAGNOSTICS"
    # Extension (issue 19 item 3): the player uploads what is on screen as a JPEG.
    CAPTURE_SCREENSHOT = "CAPTURE_SCREENSHOT"


class CommandStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


class PublishEventType(StrEnum):  # §26.11
    PLAYLIST_PUBLISH = "PLAYLIST_PUBLISH"
    PLAYLIST_ROLLBACK = "PLAYLIST_ROLLBACK"
    SCHEDULE_PUBLISH = "SCHEDULE_PUBLISH"
    SCHEDULE_ROLLBACK = "SCHEDULE_ROLLBACK"
    OVERRIDE_STARTED = "OVERRIDE_STARTED"
    OVERRIDE_CANCELLED = "OVERRIDE_CANCELLED"


class ActorType(StrEnum):
    USER = "USER"
    DEVICE = "DEVICE"
    SYSTEM = "SYSTEM"
    ANONYMOUS = "ANONYMOUS"


class AlertStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class AlertState(StrEnum):
    """What an operator sees (issue 17 item 3): `status` plus whether someone took it on."""

    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


class ChannelType(StrEnum):  # issue 17 item 2
    EMAIL = "EMAIL"
    WEBHOOK = "WEBHOOK"


class NotificationKind(StrEnum):
    OPENED = "OPENED"
    RESOLVED = "RESOLVED"
    REMINDER = "REMINDER"  # a still-open, unacknowledged critical alert
    TEST = "TEST"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # waiting for its first or next attempt
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # gave up after the retry window


class AlertType(StrEnum):  # §21 alerts
    DEVICE_OFFLINE = "DEVICE_OFFLINE"
    ERROR_SPIKE = "ERROR_SPIKE"
    LOW_CACHE_HEADROOM = "LOW_CACHE_HEADROOM"
    REPEATED_DOWNLOAD_FAILURES = "REPEATED_DOWNLOAD_FAILURES"
    OUTDATED_APP_VERSION = "OUTDATED_APP_VERSION"


class PresenceResourceType(StrEnum):  # §26.12
    PLAYLIST = "PLAYLIST"
    SCHEDULE_SET = "SCHEDULE_SET"
