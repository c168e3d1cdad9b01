"""§27.6 venue scheduling, §27.9 schedule rollback, overrides (§2 takeovers), publishing history
(§26.11) and the venue timeline ("what plays when", computed by the manifest's resolver)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import CurrentUser, UserAudit, VenueEditor, VenueManager, VenueReader
from api.auth import management_rate_limit as rate_limit
from api.context import AppContext
from api.deps import ContextDep, NowDep, PageQuery, SessionDep
from api.openapi import sends_etag
from api.presence import IfMatch, announce, other_editors
from api.problems import raises
from api.routes.playlists import publish_rate_limit
from api.schemas import Page
from api.schemas.playlists import PresenceOut, RollbackIn
from api.schemas.scheduling import (
    OverrideIn,
    OverrideOut,
    PublishEventOut,
    ScheduleSetOut,
    ScheduleVersionOut,
    SlotIn,
    SlotOut,
    TimelineIntervalOut,
    TimelineOut,
)
from signage import publish_history
from signage.db.models import (
    DeviceGroup,
    Playlist,
    SchedulePublishedSlot,
    ScheduleSlot,
    Venue,
    VenueOverride,
)
from signage.enums import PresenceResourceType, SlotTargetType
from signage.errors import ConflictError, NotFoundError, ValidationFailedError
from signage.manifest.timeline import target_timeline
from signage.presence import Resource
from signage.scheduling import overrides, schedule_sets
from signage.scheduling.resolver import MAX_TIMELINE_WINDOW
from signage.scheduling.schedule_sets import SlotInput, schedule_etag

router = APIRouter(
    prefix="/v1/venues/{venueId}", tags=["scheduling"], dependencies=[Depends(rate_limit)]
)

DEFAULT_TIMELINE_WINDOW = timedelta(days=7)


def _slot_input(body: SlotIn) -> SlotInput:
    return SlotInput(**body.model_dump())


def _slot_out(slot: ScheduleSlot | SchedulePublishedSlot) -> SlotOut:
    slot_id = slot.source_slot_id if isinstance(slot, SchedulePublishedSlot) else slot.id
    fields = {column: getattr(slot, column) for column in schedule_sets.SLOT_COLUMNS}
    return SlotOut(
        slot_id=slot_id, created_at_utc=slot.created_at, updated_at_utc=slot.updated_at, **fields
    )


def _resource(venue: Venue) -> Resource:
    return Resource(venue.tenant_id, PresenceResourceType.SCHEDULE_SET, venue.id)


def _schedule_out(
    session: Session,
    context: AppContext,
    venue: Venue,
    me: uuid.UUID,
    now: datetime,
    response: Response,
) -> ScheduleSetOut:
    schedule = schedule_sets.schedule_set(session, venue)
    response.headers["ETag"] = schedule_etag(schedule)
    published = schedule_sets.published_slots(session, venue.id, schedule.published_version)
    return ScheduleSetOut(
        venue_id=venue.id,
        timezone=venue.timezone,
        draft_version=schedule.draft_version,
        published_version=schedule.published_version,
        slots=[_slot_out(s) for s in schedule_sets.draft_slots(session, venue.id)],
        published_slots=[_slot_out(s) for s in published],
        versions=[
            ScheduleVersionOut(
                published_version=v.published_version,
                published_at_utc=v.published_at,
                published_by_user_id=v.published_by_user_id,
                rolled_back_to_version=v.rolled_back_to_version,
            )
            for v in schedule_sets.schedule_versions(session, venue.id)
        ],
        editors=other_editors(session, context, _resource(venue), me, now),
    )


@router.get("/scheduleset", summary="The venue's schedule: draft, published, history, ETag")
@sends_etag
def get_schedule(
    venue: VenueReader,
    response: Response,
    user: CurrentUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> ScheduleSetOut:
    return _schedule_out(session, context, venue, user.user_id, now, response)


@router.post("/scheduleset/slots", status_code=201, summary="Add a draft slot (If-Match)")
@sends_etag
def add_slot(
    body: SlotIn,
    venue: VenueEditor,
    if_match: IfMatch,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: UserAudit,
) -> SlotOut:
    schedule, slot = schedule_sets.add_slot(
        session, venue, _slot_input(body), if_match=if_match, now=now, who=who
    )
    response.headers["ETag"] = schedule_etag(schedule)
    return _slot_out(slot)


@router.put("/scheduleset/slots/{slotId}", summary="Change a draft slot (If-Match)")
@sends_etag
def update_slot(
    slotId: uuid.UUID,
    body: SlotIn,
    venue: VenueEditor,
    if_match: IfMatch,
    response: Response,
    session: SessionDep,
    now: NowDep,
    who: UserAudit,
) -> SlotOut:
    schedule, slot = schedule_sets.update_slot(
        session, venue, slotId, _slot_input(body), if_match=if_match, now=now, who=who
    )
    response.headers["ETag"] = schedule_etag(schedule)
    return _slot_out(slot)


@router.delete(
    "/scheduleset/slots/{slotId}", status_code=204, summary="Remove a draft slot (If-Match)"
)
@sends_etag
def delete_slot(
    slotId: uuid.UUID,
    venue: VenueEditor,
    if_match: IfMatch,
    session: SessionDep,
    now: NowDep,
    who: UserAudit,
) -> Response:
    schedule = schedule_sets.delete_slot(
        session, venue, slotId, if_match=if_match, now=now, who=who
    )
    return Response(status_code=204, headers={"ETag": schedule_etag(schedule)})


@router.post(
    "/scheduleset/publish",
    summary="Publish the draft schedule (If-Match); 422 unless its playlists are published",
    dependencies=[Depends(publish_rate_limit)],
)
@sends_etag
def publish_schedule(
    venue: VenueManager,
    if_match: IfMatch,
    response: Response,
    user: CurrentUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    who: UserAudit,
) -> ScheduleSetOut:
    schedule_sets.publish_schedule(
        session, venue, if_match=if_match, user_id=user.user_id, now=now, who=who
    )
    return _schedule_out(session, context, venue, user.user_id, now, response)


@router.post(
    "/scheduleset/rollback",
    summary="Publish an earlier schedule version again, as a new version (§27.9)",
    dependencies=[Depends(publish_rate_limit)],
)
@sends_etag
def rollback_schedule(
    body: RollbackIn,
    venue: VenueManager,
    if_match: IfMatch,
    response: Response,
    user: CurrentUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    who: UserAudit,
) -> ScheduleSetOut:
    schedule_sets.rollback_schedule(
        session,
        venue,
        body.to_version,
        if_match=if_match,
        user_id=user.user_id,
        now=now,
        who=who,
    )
    return _schedule_out(session, context, venue, user.user_id, now, response)


@router.post("/scheduleset/presence", summary="I am editing the schedule (repeat within ttl)")
def enter_schedule(
    venue: VenueEditor, user: CurrentUser, context: ContextDep, session: SessionDep, now: NowDep
) -> PresenceOut:
    return announce(session, context, _resource(venue), user.user_id, now)


@router.delete("/scheduleset/presence", status_code=204, summary="I stopped editing")
def leave_schedule(
    venue: VenueEditor, user: CurrentUser, context: ContextDep, session: SessionDep
) -> Response:
    context.presence.leave(session, _resource(venue), user.user_id)
    return Response(status_code=204)


# -- overrides ----------------------------------------------------------------------------------


def _override_out(override: VenueOverride, now: datetime) -> OverrideOut:
    rule = overrides.override_rule(override)
    return OverrideOut(
        override_id=override.id,
        venue_id=override.venue_id,
        target_type=override.target_type,
        target_id=override.target_id,
        playlist_id=override.playlist_id,
        name=override.name,
        starts_at_utc=override.starts_at,
        ends_at_utc=override.ends_at,
        cancelled_at_utc=override.cancelled_at,
        active=rule.is_active_at(now),
        created_by_user_id=override.created_by_user_id,
        created_at_utc=override.created_at,
    )


@router.get("/overrides", summary="Takeovers running or scheduled (?includeEnded for all)")
def list_overrides(
    venue: VenueReader,
    session: SessionDep,
    now: NowDep,
    page: PageQuery,
    include_ended: Annotated[bool, Query(alias="includeEnded")] = False,
) -> Page[OverrideOut]:
    found = overrides.page_overrides(session, venue.id, now, page, include_over=include_ended)
    return Page(items=[_override_out(o, now) for o in found.items], next_cursor=found.next_cursor)


@router.post(
    "/overrides",
    status_code=201,
    summary="Start a takeover: a playlist on the venue, a group or a device, over every slot",
    dependencies=[Depends(publish_rate_limit)],
)
def start_override(
    body: OverrideIn,
    venue: VenueManager,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    who: UserAudit,
) -> OverrideOut:
    wanted = overrides.OverrideInput(
        target_type=body.target_type,
        target_id=body.target_id,
        playlist_id=body.playlist_id,
        starts_at=body.starts_at_utc,
        ends_at=body.ends_at_utc,
        name=body.name,
    )
    started = overrides.start_override(
        session, venue, wanted, user_id=user.user_id, now=now, who=who
    )
    return _override_out(started, now)


@router.post("/overrides/{overrideId}/cancel", summary="Stop a takeover now")
@raises(ConflictError)
def cancel_override(
    overrideId: uuid.UUID,
    venue: VenueManager,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    who: UserAudit,
) -> OverrideOut:
    cancelled = overrides.cancel_override(
        session, venue, overrideId, user_id=user.user_id, now=now, who=who
    )
    return _override_out(cancelled, now)


# -- history and timeline ----------------------------------------------------------------------


@router.get("/publishes", summary="Publishing history: playlists, schedules, overrides (§26.11)")
def list_publishes(
    venue: VenueReader, session: SessionDep, page: PageQuery
) -> Page[PublishEventOut]:
    found = publish_history.venue_publishes(session, venue.tenant_id, venue.id, page)
    return Page(
        items=[
            PublishEventOut(
                publish_event_id=e.id,
                venue_id=e.venue_id,
                type=e.type,
                entity_id=e.entity_id,
                from_version=e.from_version,
                to_version=e.to_version,
                published_by_user_id=e.published_by_user_id,
                published_at_utc=e.published_at,
                snapshot=e.snapshot,
            )
            for e in found.items
        ],
        next_cursor=found.next_cursor,
    )


@router.get("/timeline", summary="What a device or group plays over a window of up to 14 days")
def timeline(
    venue: VenueReader,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    from_utc: Annotated[datetime | None, Query(alias="from")] = None,
    to_utc: Annotated[datetime | None, Query(alias="to")] = None,
    device_id: Annotated[uuid.UUID | None, Query(alias="deviceId")] = None,
    group_id: Annotated[uuid.UUID | None, Query(alias="groupId")] = None,
) -> TimelineOut:
    start, end = _window(from_utc, to_utc, now)
    target_type, target_id = _target(session, venue, device_id, group_id)
    snapshot = context.manifests.snapshot(session, venue.id, now)
    zone, intervals = target_timeline(snapshot, target_type, target_id, start, end)
    names = _playlist_names(session, {i.playlist_id for i in intervals if i.playlist_id})
    return TimelineOut(
        venue_id=venue.id,
        target_type=target_type,
        target_id=target_id,
        timezone=zone,
        from_utc=start,
        to_utc=end,
        intervals=[
            TimelineIntervalOut(
                start_utc=i.start_utc,
                end_utc=i.end_utc,
                playlist_id=None if i.playlist_id is None else uuid.UUID(str(i.playlist_id)),
                playlist_name=names.get(str(i.playlist_id)),
                reason=i.reason,
                rule_id=None if i.rule_id is None else uuid.UUID(str(i.rule_id)),
                fallback_source=i.fallback_source,
            )
            for i in intervals
        ],
    )


def _window(
    from_utc: datetime | None, to_utc: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    for name, value in (("from", from_utc), ("to", to_utc)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailedError(
                "Times need a UTC offset (§30.1).",
                errors=[{"location": f"query.{name}", "message": "no UTC offset"}],
            )
    start = from_utc or now
    end = to_utc or start + DEFAULT_TIMELINE_WINDOW
    if not start < end <= start + MAX_TIMELINE_WINDOW:
        raise ValidationFailedError(
            "The window must end after it starts and span at most 14 days.",
            errors=[{"location": "query.to", "message": "window empty or over 14 days"}],
        )
    return start, end


def _target(
    session: Session, venue: Venue, device_id: uuid.UUID | None, group_id: uuid.UUID | None
) -> tuple[SlotTargetType, uuid.UUID]:
    if (device_id is None) == (group_id is None):
        raise ValidationFailedError(
            "Give exactly one of deviceId and groupId.",
            errors=[{"location": "query.deviceId", "message": "exactly one of deviceId, groupId"}],
        )
    if device_id is not None:
        return SlotTargetType.DEVICE, device_id  # the snapshot knows the venue's devices
    assert group_id is not None
    group = session.get(DeviceGroup, group_id)
    if group is None or group.venue_id != venue.id:
        raise NotFoundError(f"Group {group_id} was not found.")
    return SlotTargetType.GROUP, group_id


def _playlist_names(session: Session, playlist_ids: set[object]) -> dict[str, str]:
    ids = [uuid.UUID(str(p)) for p in playlist_ids]
    rows = session.execute(select(Playlist.id, Playlist.name).where(Playlist.id.in_(ids)))
    return {str(playlist_id): name for playlist_id, name in rows}
