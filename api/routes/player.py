"""§27.8 player endpoints (device token only): heartbeat, events, commands, command results.
The manifest (§27.8.1) arrives with scheduling."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response

from api.auth import CurrentDevice, DeviceAudit
from api.deps import ContextDep, NowDep, SessionDep
from api.ratelimit import enforce
from api.schemas.player import (
    CommandResultIn,
    EventBatchIn,
    HeartbeatIn,
    PlayerCommandOut,
    PlayerCommandsOut,
)
from signage.auth.principal import DevicePrincipal
from signage.devices import commands
from signage.errors import ValidationFailedError
from signage.ratelimit import LimitCategory
from signage.telemetry import ingest

router = APIRouter(prefix="/v1/player", tags=["player"])

# A device clock this far ahead is broken, not skewed; the player should omit deviceTime.
MAX_CLOCK_AHEAD = timedelta(days=1)


def _limit(
    request: Request, context: ContextDep, device: DevicePrincipal, category: LimitCategory
) -> None:
    enforce(request, context, category, str(device.device_id), tenant_id=device.tenant_id)


@router.post("/heartbeat", status_code=204, summary="Report playback, cache, network, errors")
def heartbeat(
    body: HeartbeatIn,
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    _limit(request, context, device, LimitCategory.HEARTBEAT_PER_DEVICE)
    _refuse_future("body.deviceTime", body.device_time, now)
    beat = ingest.Heartbeat(
        device_time=body.device_time,
        app_version=body.app_version,
        state=body.state,
        manifest_etag=body.manifest_etag,
        playlist_id=body.playback.playlist_id,
        published_version=body.playback.published_version,
        current_asset_id=body.playback.current_asset_id,
        current_item_index=body.playback.current_item_index,
        loop_count=body.playback.loop_count,
        cache_total_bytes=body.cache.total_bytes,
        cache_used_bytes=body.cache.used_bytes,
        cache_asset_count=body.cache.asset_count,
        pending_downloads=body.cache.pending_downloads,
        network_connected=body.network.connected,
        network_type=body.network.type,
        last_sync_at=body.network.last_sync_at_utc,
        playback_failures=body.errors.playback_failures,
        download_failures=body.errors.download_failures,
        manifest_fetch_failures=body.errors.manifest_fetch_failures,
    )
    ingest.record_heartbeat(session, device, beat, received_at=now)
    return Response(status_code=204)


@router.post("/events", status_code=204, summary="Send a batch of up to 100 events")
def events(
    body: EventBatchIn,
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    _limit(request, context, device, LimitCategory.EVENTS_PER_DEVICE)
    for index, event in enumerate(body.events):
        _refuse_future(f"body.events.{index}.eventTimeUtc", event.event_time_utc, now)
    batch = [
        ingest.Event(e.event_id, e.event_type, e.severity, e.event_time_utc, e.payload)
        for e in body.events
    ]
    ingest.record_events(session, device, batch, received_at=now)
    return Response(status_code=204)


@router.get("/commands", summary="Commands waiting for this device, oldest first")
def poll_commands(
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> PlayerCommandsOut:
    _limit(request, context, device, LimitCategory.COMMANDS_PER_DEVICE)
    return PlayerCommandsOut(
        items=[
            PlayerCommandOut(
                command_id=c.id, type=c.type, parameters=c.parameters, issued_at_utc=c.issued_at
            )
            for c in commands.poll(session, device, now)
        ]
    )


@router.post("/commands/{commandId}/result", status_code=204, summary="Acknowledge a command")
def command_result(
    commandId: uuid.UUID,
    body: CommandResultIn,
    device: CurrentDevice,
    session: SessionDep,
    now: NowDep,
    who: DeviceAudit,
) -> Response:
    commands.record_result(
        session,
        device,
        commandId,
        succeeded=body.status == "SUCCEEDED",
        result=body.result,
        error=body.error,
        now=now,
        who=who,
    )
    return Response(status_code=204)


def _refuse_future(location: str, moment: datetime | None, now: datetime) -> None:
    if moment is not None and moment - now > MAX_CLOCK_AHEAD:
        raise ValidationFailedError(
            "A timestamp is more than a day in the future; check the device clock.",
            errors=[{"location": location, "message": "more than a day in the future"}],
        )
