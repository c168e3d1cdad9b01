"""Notification channels of a tenant (issue 17 item 2): TENANT_ADMIN only; another tenant's
path is 404 (§25.6). Deliveries are made by the `notifications_sensor` in Dagster, never here:
`POST .../test` queues a message and answers 202 at once."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response

from api.auth import TenantAdmin, management_rate_limit
from api.calls import CallDep
from api.deps import ContextDep, PageQuery, SessionDep
from api.problems import raises
from api.schemas import Page
from api.schemas.notifications import (
    AttemptOut,
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    CreatedChannelOut,
    DeliveryOut,
)
from signage.db.models import NotificationChannel, NotificationDelivery
from signage.errors import NotFoundError, ValidationFailedError
from signage.notifications import channels
from signage.notifications.delivery import is_failing
from signage.notifications.policy import NotificationPolicy

router = APIRouter(
    prefix="/v1/tenants/{tenantId}/notification-channels",
    tags=["notifications"],
    dependencies=[Depends(management_rate_limit)],
)
ChannelPath = "/{channelId}"


@router.get("", summary="Notification channels of the tenant, by name")
def list_channels(
    user: TenantAdmin, session: SessionDep, page: PageQuery, context: ContextDep
) -> Page[ChannelOut]:
    found = channels.list_channels(session, user.tenant_id, page)
    policy = NotificationPolicy.from_settings(context.settings)
    return Page(items=[channel_out(c, policy) for c in found.items], next_cursor=found.next_cursor)


@router.post("", status_code=201, summary="Create a channel (the webhook secret is shown once)")
@raises(ValidationFailedError)
def create_channel(body: ChannelIn, user: TenantAdmin, call: CallDep) -> CreatedChannelOut:
    settings = call.context.settings
    created = channels.create_channel(
        call.session,
        user.tenant_id,
        body.type,
        _fields(body),
        settings.environment,
        call.now,
        call.who,
    )
    out = channel_out(created.channel, NotificationPolicy.from_settings(settings))
    return CreatedChannelOut(**out.model_dump(), secret=created.secret)


@router.get(ChannelPath, summary="One channel (never its secret)")
@raises(NotFoundError)
def get_channel(
    channelId: uuid.UUID,
    user: TenantAdmin,
    session: SessionDep,
    context: ContextDep,
) -> ChannelOut:
    channel = channels.get_channel(session, user.tenant_id, channelId)
    return channel_out(channel, NotificationPolicy.from_settings(context.settings))


@router.patch(ChannelPath, summary="Change a channel's name, reach or target")
@raises(NotFoundError, ValidationFailedError)
def update_channel(
    channelId: uuid.UUID, body: ChannelPatch, user: TenantAdmin, call: CallDep
) -> ChannelOut:
    session, settings = call.session, call.context.settings
    fields = _patched(channels.get_channel(session, user.tenant_id, channelId), body)
    channel = channels.update_channel(
        session, user.tenant_id, channelId, fields, settings.environment, call.now, call.who
    )
    return channel_out(channel, NotificationPolicy.from_settings(settings))


@router.delete(ChannelPath, status_code=204, summary="Delete a channel and its deliveries")
@raises(NotFoundError)
def delete_channel(channelId: uuid.UUID, user: TenantAdmin, call: CallDep) -> Response:
    channels.delete_channel(call.session, user.tenant_id, channelId, call.now, call.who)
    return Response(status_code=204)


@router.post(ChannelPath + "/test", status_code=202, summary="Queue a test message")
@raises(NotFoundError)
def test_channel(channelId: uuid.UUID, user: TenantAdmin, call: CallDep) -> DeliveryOut:
    policy = NotificationPolicy.from_settings(call.context.settings)
    window = policy.retry_window
    queued = channels.queue_test(
        call.session, user.tenant_id, channelId, window, call.now, call.who
    )
    return delivery_out(queued)


@router.get(ChannelPath + "/deliveries", summary="Deliveries to the channel, newest first")
@raises(NotFoundError)
def list_deliveries(
    channelId: uuid.UUID,
    user: TenantAdmin,
    session: SessionDep,
    page: PageQuery,
) -> Page[DeliveryOut]:
    found = channels.list_deliveries(session, user.tenant_id, channelId, page)
    return Page(items=[delivery_out(d) for d in found.items], next_cursor=found.next_cursor)


def _fields(body: ChannelIn) -> channels.ChannelFields:
    return channels.ChannelFields(
        name=body.name,
        min_severity=body.min_severity,
        venue_ids=tuple(body.venue_ids),
        recipients=tuple(str(r) for r in body.recipients),
        url=body.url,
    )


def _patched(current: NotificationChannel, body: ChannelPatch) -> channels.ChannelFields:
    sent = body.model_fields_set
    return channels.ChannelFields(
        name=body.name if body.name is not None else current.name,
        min_severity=body.min_severity or current.min_severity,
        venue_ids=tuple(
            body.venue_ids
            if body.venue_ids is not None
            else (uuid.UUID(v) for v in current.venue_ids)
        ),
        recipients=tuple(
            str(r) for r in (body.recipients if body.recipients is not None else current.recipients)
        ),
        url=body.url if "url" in sent else current.url,
    )


def channel_out(channel: NotificationChannel, policy: NotificationPolicy) -> ChannelOut:
    return ChannelOut(
        channel_id=channel.id,
        type=channel.type,
        name=channel.name,
        min_severity=channel.min_severity,
        venue_ids=[uuid.UUID(v) for v in channel.venue_ids],
        recipients=list(channel.recipients),
        url=channel.url,
        failing=is_failing(channel, policy),
        consecutive_failures=channel.consecutive_failures,
        failing_since_utc=channel.failing_since,
        created_at_utc=channel.created_at,
        updated_at_utc=channel.updated_at,
    )


def delivery_out(delivery: NotificationDelivery) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=delivery.id,
        channel_id=delivery.channel_id,
        kind=delivery.kind,
        venue_id=delivery.venue_id,
        alert_ids=[uuid.UUID(a) for a in delivery.alert_ids],
        status=delivery.status,
        attempts=[
            AttemptOut(at_utc=a["atUtc"], ok=a["ok"], error=a["error"]) for a in delivery.attempts
        ],
        next_attempt_at_utc=delivery.next_attempt_at,
        give_up_at_utc=delivery.give_up_at,
        delivered_at_utc=delivery.delivered_at,
        created_at_utc=delivery.created_at,
        message=delivery.message,
    )
