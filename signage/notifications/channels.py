"""Notification channels of a tenant (issue 17 item 2): create, change, delete, list, and the
deliveries made to each. The caller is a TENANT_ADMIN of `tenant_id` (the API checks it); every
query here is scoped to that tenant, so another tenant's channel is simply not found (§25.6).

The webhook secret is generated here and handed back once by `create_channel`; nothing else
returns it, and audit entries carry the channel's name and type only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditAction, AuditContext, AuditTarget
from signage.config import Environment
from signage.db.models import NotificationChannel, NotificationDelivery, Venue
from signage.enums import ChannelType, DeliveryStatus, EventSeverity, NotificationKind
from signage.errors import NotFoundError, ValidationFailedError
from signage.notifications.signing import new_secret
from signage.notifications.urls import url_problem
from signage.pagination import Page, PageRequest, paginate
from signage.queries import live


@dataclass(frozen=True)
class ChannelFields:
    name: str
    min_severity: EventSeverity
    venue_ids: tuple[uuid.UUID, ...] = ()
    recipients: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class CreatedChannel:
    channel: NotificationChannel
    secret: str | None  # the webhook's signing secret, shown this once


def create_channel(
    session: Session,
    tenant_id: uuid.UUID,
    channel_type: ChannelType,
    fields: ChannelFields,
    environment: Environment,
    now: datetime,
    who: AuditContext,
) -> CreatedChannel:
    _validate(session, tenant_id, channel_type, fields, environment)
    secret = new_secret() if channel_type is ChannelType.WEBHOOK else None
    channel = NotificationChannel(tenant_id=tenant_id, type=channel_type, secret=secret)
    _assign(channel, fields)
    session.add(channel)
    session.flush()
    _audit(session, who, AuditAction.CHANNEL_CREATED, channel, now)
    return CreatedChannel(channel, secret)


def update_channel(
    session: Session,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    fields: ChannelFields,
    environment: Environment,
    now: datetime,
    who: AuditContext,
) -> NotificationChannel:
    channel = get_channel(session, tenant_id, channel_id)
    _validate(session, tenant_id, channel.type, fields, environment)
    _assign(channel, fields)
    channel.updated_at = now
    session.flush()
    _audit(session, who, AuditAction.CHANNEL_UPDATED, channel, now)
    return channel


def delete_channel(
    session: Session, tenant_id: uuid.UUID, channel_id: uuid.UUID, now: datetime, who: AuditContext
) -> None:
    channel = get_channel(session, tenant_id, channel_id)
    _audit(session, who, AuditAction.CHANNEL_DELETED, channel, now)
    session.delete(channel)
    session.flush()


def get_channel(
    session: Session, tenant_id: uuid.UUID, channel_id: uuid.UUID
) -> NotificationChannel:
    channel = session.scalar(
        select(NotificationChannel).where(
            NotificationChannel.id == channel_id, NotificationChannel.tenant_id == tenant_id
        )
    )
    if channel is None:
        raise NotFoundError(f"Notification channel {channel_id} was not found.")
    return channel


def list_channels(
    session: Session, tenant_id: uuid.UUID, page: PageRequest
) -> Page[NotificationChannel]:
    statement = select(NotificationChannel).where(NotificationChannel.tenant_id == tenant_id)
    found: Page[NotificationChannel] = paginate(
        session,
        statement,
        [NotificationChannel.name, NotificationChannel.id],
        page,
        parse=[str, uuid.UUID],
    )
    return found


def list_deliveries(
    session: Session, tenant_id: uuid.UUID, channel_id: uuid.UUID, page: PageRequest
) -> Page[NotificationDelivery]:
    """Newest first, each with every attempt."""
    get_channel(session, tenant_id, channel_id)
    statement = select(NotificationDelivery).where(
        NotificationDelivery.channel_id == channel_id,
        NotificationDelivery.tenant_id == tenant_id,
    )
    found: Page[NotificationDelivery] = paginate(
        session,
        statement,
        [NotificationDelivery.created_at, NotificationDelivery.id],
        page,
        descending=True,
        parse=[datetime.fromisoformat, uuid.UUID],
    )
    return found


def queue_test(
    session: Session,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    retry_window: timedelta,
    now: datetime,
    who: AuditContext,
) -> NotificationDelivery:
    """A test message, sent by the delivery sensor like any other (never in the request)."""
    channel = get_channel(session, tenant_id, channel_id)
    delivery = NotificationDelivery(
        tenant_id=tenant_id,
        channel_id=channel.id,
        kind=NotificationKind.TEST,
        alert_ids=[],
        message={"kind": NotificationKind.TEST.value, "channelName": channel.name},
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        give_up_at=now + retry_window,
        attempts=[],
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    _audit(session, who, AuditAction.CHANNEL_TESTED, channel, now)
    return delivery


def _assign(channel: NotificationChannel, fields: ChannelFields) -> None:
    channel.name = fields.name.strip()
    channel.min_severity = fields.min_severity
    channel.venue_ids = [str(v) for v in dict.fromkeys(fields.venue_ids)]
    channel.recipients = list(dict.fromkeys(fields.recipients))
    channel.url = fields.url


def _validate(
    session: Session,
    tenant_id: uuid.UUID,
    channel_type: ChannelType,
    fields: ChannelFields,
    environment: Environment,
) -> None:
    errors = []
    if not fields.name.strip():
        errors.append(_error("name", "must not be blank"))
    if channel_type is ChannelType.EMAIL:
        if not fields.recipients:
            errors.append(_error("recipients", "an EMAIL channel needs at least one recipient"))
        if fields.url is not None:
            errors.append(_error("url", "an EMAIL channel has recipients, not a URL"))
    else:
        problem = "a WEBHOOK channel needs a URL" if fields.url is None else None
        problem = problem or url_problem(fields.url or "", environment)
        if problem:
            errors.append(_error("url", problem))
        if fields.recipients:
            errors.append(_error("recipients", "a WEBHOOK channel has a URL, not recipients"))
    if _unknown_venues(session, tenant_id, fields.venue_ids):
        errors.append(_error("venueIds", "no such venue in this tenant"))
    if errors:
        raise ValidationFailedError("The notification channel is not valid.", errors=errors)


def _unknown_venues(
    session: Session, tenant_id: uuid.UUID, venue_ids: tuple[uuid.UUID, ...]
) -> bool:
    if not venue_ids:
        return False
    known = session.scalars(
        select(Venue.id).where(Venue.tenant_id == tenant_id, Venue.id.in_(venue_ids), live(Venue))
    )
    return set(venue_ids) != set(known)


def _error(field: str, message: str) -> dict[str, str]:
    return {"location": f"body.{field}", "message": message, "type": "invalid"}


def _audit(
    session: Session,
    who: AuditContext,
    action: AuditAction,
    channel: NotificationChannel,
    now: datetime,
) -> None:
    # Name, type and reach only: never the secret, the URL (it may embed a token) or addresses.
    audit.record(
        session,
        who,
        action,
        tenant_id=channel.tenant_id,
        now=now,
        target_type=AuditTarget.NOTIFICATION_CHANNEL,
        target_id=channel.id,
        details={
            "name": channel.name,
            "type": channel.type.value,
            "minSeverity": channel.min_severity.value,
            "venueIds": list(channel.venue_ids),
        },
    )
