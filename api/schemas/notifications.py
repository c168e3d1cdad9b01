"""Wire models of notification channels and their deliveries (issue 17 item 2; an extension to
§27, listed in docs/api-extensions.md). The webhook secret appears in the create answer only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from api.schemas.base import ApiModel, DisplayName
from signage.enums import ChannelType, DeliveryStatus, EventSeverity, NotificationKind
from signage.notifications.urls import URL_MAX_LENGTH

# The same address shape as users' e-mails (api.schemas.tenancy).
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Recipients = Annotated[list[Email], Field(max_length=20)]
VenueIds = Annotated[list[uuid.UUID], Field(max_length=500)]
# Longer URLs are refused by the domain's rule naming `url`; this only bounds what is parsed.
WebhookUrl = Annotated[str, Field(max_length=URL_MAX_LENGTH * 4)]


class ChannelIn(ApiModel):
    type: ChannelType
    name: DisplayName
    min_severity: EventSeverity = EventSeverity.WARNING
    venue_ids: VenueIds = Field(default_factory=list, description="Empty: every venue")
    recipients: Recipients = Field(default_factory=list, description="EMAIL channels")
    url: WebhookUrl | None = Field(default=None, description="WEBHOOK channels: an HTTPS URL")


class ChannelPatch(ApiModel):
    """Only what is sent changes; the type is fixed."""

    name: DisplayName | None = None
    min_severity: EventSeverity | None = None
    venue_ids: VenueIds | None = None
    recipients: Recipients | None = None
    url: WebhookUrl | None = None


class ChannelOut(ApiModel):
    channel_id: uuid.UUID
    type: ChannelType
    name: str
    min_severity: EventSeverity
    venue_ids: list[uuid.UUID]
    recipients: list[str]
    url: str | None
    failing: bool = Field(description="Its recent attempts all failed; see its deliveries")
    consecutive_failures: int
    failing_since_utc: datetime | None
    created_at_utc: datetime
    updated_at_utc: datetime


class CreatedChannelOut(ChannelOut):
    secret: str | None = Field(
        description="WEBHOOK: the HMAC-SHA256 key of X-Signage-Signature. Shown only here."
    )


class AttemptOut(ApiModel):
    at_utc: datetime
    ok: bool
    error: str | None


class DeliveryOut(ApiModel):
    delivery_id: uuid.UUID
    channel_id: uuid.UUID
    kind: NotificationKind
    venue_id: uuid.UUID | None
    alert_ids: list[uuid.UUID]
    status: DeliveryStatus
    attempts: list[AttemptOut]
    next_attempt_at_utc: datetime | None
    give_up_at_utc: datetime
    delivered_at_utc: datetime | None
    created_at_utc: datetime
    message: dict[str, Any] = Field(description="What was (or will be) sent")
