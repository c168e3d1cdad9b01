"""§27.8 player endpoints (device token only): manifest, heartbeat, events, commands."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentDevice, DeviceAudit, bearer_token
from api.deps import ContextDep, NowDep, PageQuery, SessionDep
from api.openapi import sends_etag
from api.problems import DATABASE_UNAVAILABLE_ERRORS, raises
from api.ratelimit import counts_in_memory, enforce
from api.schemas.player import (
    CommandResultIn,
    EventBatchIn,
    EventIn,
    HeartbeatIn,
    ManifestOut,
    PlayerCommandOut,
    PlayerCommandsOut,
    PlayerModel,
    ScreenshotUploadIn,
    ScreenshotUploadOut,
)
from signage.auth.principal import DevicePrincipal
from signage.devices import commands, screenshots, tokens
from signage.enums import DeviceEventType, EventSeverity, NetworkType, PlayerState
from signage.errors import (
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
    ValidationFailedError,
)
from signage.manifest.document import Manifest
from signage.ratelimit import LimitCategory
from signage.telemetry import ingest
from signage.telemetry.reading import Reading

router = APIRouter(prefix="/v1/player", tags=["player"])
log = logging.getLogger(__name__)

# §27.8.3 answers a batch with 204 and no body; events skipped on their own are named here as
# a structured-field list (RFC 8941): `3;reason="...", 7;reason="..."` (indexes in the batch).
SKIPPED_EVENTS_HEADER = "X-Skipped-Events"
# §25.7 rotating device tokens (issue 15 item 1): a manifest answer (200 or 304) to a token near
# its end carries its successor here; the old token works until the new one is first used.
TOKEN_RENEWAL_HEADER = "X-Device-Token-Renewal"  # noqa: S105 (a header's name)
_RENEWAL_DOC = {
    TOKEN_RENEWAL_HEADER: {
        "description": "A renewed device token, sent when yours is within its renewal window: "
        "store it and send it from the next request on (docs/player-contract.md)",
        "schema": {"type": "string"},
    }
}


def _limit(
    request: Request, context: ContextDep, device: DevicePrincipal, category: LimitCategory
) -> None:
    enforce(request, context, category, str(device.device_id), tenant_id=device.tenant_id)


@router.get(
    "/manifest",
    summary="What to play (§27.8.1); If-None-Match with the last manifestEtag gives a 304",
    response_model=ManifestOut,
    responses={
        200: {"headers": _RENEWAL_DOC},
        304: {
            "description": "Not modified: keep the manifest you have; no body",
            "headers": _RENEWAL_DOC,
        },
    },
)
@sends_etag
@raises(RateLimitedError, ServiceUnavailableError)
def manifest(
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    _limit(request, context, device, LimitCategory.MANIFEST_PER_DEVICE)
    service = context.manifests
    degraded = False
    try:
        current = service.resolve(session, device.venue_id, device.device_id, now)
    except (SQLAlchemyError, ValueError) as failure:
        # §31.9: never blank a fleet because resolution failed; serve the last good manifest.
        _log_resolution_failure(device, failure)
        session.rollback()
        current = _last_good(service.last_good(device.device_id))
        degraded = True
        request.state.manifest_last_good = True  # api.metrics counts it by kind
    headers = {"ETag": f'"{current.etag}"', "Cache-Control": "no-cache"}
    if not degraded:
        headers |= _token_renewal(request, context, session, now)
    if matches_etag(if_none_match, current.etag):
        return Response(status_code=304, headers=headers)
    body = service.body(current, device.device_id, now, degraded=degraded)
    if not degraded:
        service.remember(device.device_id, current)
    return JSONResponse(body, headers=headers)


def _token_renewal(
    request: Request, context: ContextDep, session: SessionDep, now: datetime
) -> dict[str, str]:
    renewed = tokens.renew(session, context.tokens, bearer_token(request), now)
    if renewed is None:
        return {}
    # A credential in the answer: no cache along the way may keep it.
    return {TOKEN_RENEWAL_HEADER: renewed.token, "Cache-Control": "no-store"}


def _log_resolution_failure(device: DevicePrincipal, failure: Exception) -> None:
    where = {"deviceId": str(device.device_id)}
    if isinstance(failure, DATABASE_UNAVAILABLE_ERRORS):  # an outage: a line, not a traceback
        log.warning("manifest resolution failed: database unavailable", extra=where)
    else:
        log.exception("manifest resolution failed", extra=where)


def _last_good(manifest: Manifest | None) -> Manifest:
    if manifest is None:
        # The player keeps playing its own cached manifest on a 503 (§28, §31.9).
        raise ServiceUnavailableError("The manifest cannot be computed right now; retry shortly.")
    return manifest


def matches_etag(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match holds one or more ETags, quoted or not (players differ), or *."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


@router.post("/heartbeat", status_code=204, summary="Report playback, cache, network, errors")
@raises(RateLimitedError)
async def heartbeat(
    body: HeartbeatIn,
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    now: NowDep,
) -> Response:
    """Async: the request waits on the event loop, not in a pool thread, while its heartbeat is
    group-committed with others (api.heartbeat_batcher); 204 once it is stored."""
    category = LimitCategory.HEARTBEAT_PER_DEVICE
    if counts_in_memory(request, context, device.tenant_id):  # no hop (issue 18 item 2)
        _limit(request, context, device, category)
    else:
        await run_in_threadpool(_limit, request, context, device, category)
    _refuse_future("body.deviceTime", body.device_time, now)
    received = ingest.ReceivedHeartbeat(device, understood_heartbeat(body), now)
    await context.heartbeats.record(received)
    return Response(status_code=204)


def understood_heartbeat(body: HeartbeatIn) -> ingest.Heartbeat:
    """What the server understands of a heartbeat; the rest kept as sent (issue 15 item 4)."""
    read = Reading(extras=body.has_extras())
    beat = ingest.Heartbeat(
        device_time=body.device_time,
        app_version=body.app_version,
        state=read.known(PlayerState, body.state),
        manifest_etag=body.manifest_etag,
        playlist_id=read.uuid(body.playback.playlist_id),
        published_version=body.playback.published_version,
        current_asset_id=read.uuid(body.playback.current_asset_id),
        current_item_index=body.playback.current_item_index,
        loop_count=body.playback.loop_count,
        cache_total_bytes=body.cache.total_bytes,
        cache_used_bytes=body.cache.used_bytes,
        cache_asset_count=body.cache.asset_count,
        pending_downloads=body.cache.pending_downloads,
        network_connected=body.network.connected,
        network_type=read.known(NetworkType, body.network.type),
        last_sync_at=body.network.last_sync_at_utc,
        playback_failures=body.errors.playback_failures,
        download_failures=body.errors.download_failures,
        manifest_fetch_failures=body.errors.manifest_fetch_failures,
    )
    return replace(beat, raw=_as_sent(body)) if read.missed else beat


@router.post(
    "/events",
    status_code=204,
    summary="Send a batch of up to 100 events",
    responses={
        204: {
            "description": "Stored (a retried eventId once; an unknown eventType as "
            "UNRECOGNIZED, kept as sent); an event dated more than a day ahead, or one that is "
            "broken or misses a required field, is skipped alone and named in X-Skipped-Events",
            "headers": {
                SKIPPED_EVENTS_HEADER: {
                    "description": 'Skipped events: `index;reason="..."`, comma-separated',
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
@raises(RateLimitedError)
def events(
    body: EventBatchIn,
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    _limit(request, context, device, LimitCategory.EVENTS_PER_DEVICE)
    batch, refused = _read_events(body.events)
    kept, skipped = ingest.split_by_clock([event for _, event in batch], now)
    skipped = refused + [replace(s, index=batch[s.index][0]) for s in skipped]
    if refused and not kept and len(refused) == len(body.events):
        raise ValidationFailedError(
            "No event of the batch could be read.",
            errors=[{"location": f"body.events.{r.index}", "message": r.reason} for r in refused],
        )
    ingest.record_events(session, device, kept, received_at=now)
    if not skipped:
        return Response(status_code=204)
    log.warning(
        "events skipped: refused, or device clock ahead",
        extra={"deviceId": str(device.device_id), "skipped": len(skipped)},
    )
    named = ", ".join(f'{s.index};reason="{_sf_string(s.reason)}"' for s in skipped)
    return Response(status_code=204, headers={SKIPPED_EVENTS_HEADER: named})


def _read_events(
    sent: list[Any],
) -> tuple[list[tuple[int, ingest.Event]], list[ingest.SkippedEvent]]:
    """Each event with its index in the batch, and the events refused on their own: broken or
    lacking a required field (§27.8.3, issue 15 item 4). A type, severity or id this server does
    not know is no reason to refuse: the event is stored with the message as sent."""
    events: list[tuple[int, ingest.Event]] = []
    refused: list[ingest.SkippedEvent] = []
    for index, item in enumerate(sent):
        try:
            event = EventIn.model_validate(item)
        except ValidationError as invalid:
            first = invalid.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "event"
            refused.append(ingest.refused_event(index, f"{where}: {first['msg']}"))
            continue
        read = Reading(extras=event.has_extras())
        event_type = read.known(DeviceEventType, event.event_type)
        known = ingest.Event(
            read.uuid(event.event_id),
            event_type or DeviceEventType.UNRECOGNIZED,
            read.known(EventSeverity, event.severity) or EventSeverity.INFO,
            event.event_time_utc,
            event.payload,
        )
        events.append((index, replace(known, raw=_as_sent(event)) if read.missed else known))
    return events, refused


def _as_sent(message: PlayerModel) -> dict[str, Any]:
    return message.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _sf_string(text: str) -> str:
    """Text safe inside an RFC 8941 string: printable ASCII without quotes or backslashes."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in text)[:200]


@router.get("/commands", summary="Commands waiting for this device, oldest first")
@raises(RateLimitedError)
def poll_commands(
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    page: PageQuery,
) -> PlayerCommandsOut:
    _limit(request, context, device, LimitCategory.COMMANDS_PER_DEVICE)
    found = commands.poll(session, device, now, page)
    return PlayerCommandsOut(
        items=[
            PlayerCommandOut(
                command_id=c.id, type=c.type, parameters=c.parameters, issued_at_utc=c.issued_at
            )
            for c in found.items
        ],
        next_cursor=found.next_cursor,
    )


@router.post("/commands/{commandId}/result", status_code=204, summary="Acknowledge a command")
@raises(ConflictError, RateLimitedError)
def command_result(
    commandId: uuid.UUID,
    body: CommandResultIn,
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    who: DeviceAudit,
) -> Response:
    _limit(request, context, device, LimitCategory.COMMAND_RESULTS_PER_DEVICE)
    succeeded = body.status == "SUCCEEDED"
    screenshots.require_upload_before_success(
        session, context.storage, device, commandId, succeeded
    )
    commands.record_result(
        session,
        device,
        commandId,
        succeeded=succeeded,
        result=body.result,
        error=body.error,
        now=now,
        who=who,
    )
    return Response(status_code=204)


@router.post(
    "/commands/{commandId}/screenshot-upload",
    status_code=201,
    summary="A signed upload URL for a CAPTURE_SCREENSHOT command's JPEG (extension)",
)
@raises(ConflictError, NotFoundError, RateLimitedError)
def screenshot_upload(
    commandId: uuid.UUID,
    body: ScreenshotUploadIn,
    request: Request,
    device: CurrentDevice,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> ScreenshotUploadOut:
    """Issue 19 item 3: only for this device's own open screenshot command (another device's
    is a 404); the URL takes exactly `sizeBytes` of image/jpeg for 10 minutes, once."""
    _limit(request, context, device, LimitCategory.COMMAND_RESULTS_PER_DEVICE)
    upload = screenshots.upload_url(
        session, context.storage, device, commandId, body.size_bytes, now
    )
    return ScreenshotUploadOut(
        upload_url=upload.url,
        upload_method=upload.method,
        upload_headers=dict(upload.headers),
        expires_at_utc=upload.expires_at,
    )


def _refuse_future(location: str, moment: datetime | None, now: datetime) -> None:
    if ingest.too_far_ahead(moment, now):
        raise ValidationFailedError(
            "A timestamp is more than a day in the future; check the device clock.",
            errors=[{"location": location, "message": "more than a day in the future"}],
        )
