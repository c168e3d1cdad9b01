"""Every table of §26 plus what the platform adds (uploads, refresh tokens, audit, alerts,
overrides). Importing this package registers all of them on `Base.metadata`."""

from signage.db.models.content import Asset, UploadSession
from signage.db.models.devices import Device, DeviceAuthToken, DeviceGroup, DevicePairing
from signage.db.models.notifications import NotificationChannel, NotificationDelivery
from signage.db.models.operations import Alert, EditorPresence, OperatorAlert, PublishEvent
from signage.db.models.playlists import (
    Playlist,
    PlaylistItem,
    PlaylistPublished,
    PlaylistPublishedItem,
)
from signage.db.models.scheduling import (
    SchedulePublished,
    SchedulePublishedSlot,
    ScheduleSlot,
    VenueEpoch,
    VenueOverride,
    VenueScheduleSet,
)
from signage.db.models.telemetry import DeviceCommand, DeviceEvent, DeviceHeartbeat, DeviceStatus
from signage.db.models.tenancy import (
    AuditEntry,
    PasswordLink,
    RefreshToken,
    Tenant,
    TenantUserRole,
    User,
    Venue,
    VenueUserRole,
)

__all__ = [
    "Alert",
    "Asset",
    "AuditEntry",
    "Device",
    "DeviceAuthToken",
    "DeviceCommand",
    "DeviceEvent",
    "DeviceGroup",
    "DeviceHeartbeat",
    "DevicePairing",
    "DeviceStatus",
    "EditorPresence",
    "NotificationChannel",
    "NotificationDelivery",
    "OperatorAlert",
    "PasswordLink",
    "Playlist",
    "PlaylistItem",
    "PlaylistPublished",
    "PlaylistPublishedItem",
    "PublishEvent",
    "RefreshToken",
    "SchedulePublished",
    "SchedulePublishedSlot",
    "ScheduleSlot",
    "Tenant",
    "TenantUserRole",
    "UploadSession",
    "User",
    "Venue",
    "VenueEpoch",
    "VenueOverride",
    "VenueScheduleSet",
    "VenueUserRole",
]
