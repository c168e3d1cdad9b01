"""§27.6 venue scheduling, §27.9 schedule rollback, overrides (§2 takeovers), publishing history
(§26.11) and the venue timeline ("what plays when", computed by the manifest's resolver)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.auth import VenueEditor, VenueManager, VenueReader
from api.auth import management_rate_limit as rate_limit
from api.calls import Call, CallDep
from api.deps import IfMatch, NowDep, PageQuery, SessionDep
from api.openapi import sends_etag
from api.presence import announce, other_editors, withdraw
from api.problems import raises
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
    TimelineOut,
)
from api.scopes import publish_rate_limit
from api.views import timeline_out
from signage import publish_history
from signage.db.models import (
    SchedulePublishedSlot,
    ScheduleSlot,
    Venue,
    VenueOverride,
)
from signage.enums import PresenceResourceType
from signage.errors import ConflictError
from signage.presence import Resource
from signage.scheduling import overrides, schedule_sets
from signage.scheduling.schedule_sets import SlotInput, schedule_etag

router = APIRouter(
    prefix="/v1/venues/{venueId}", tags=["scheduling"], dependencies=[Depends(rate_limit)]
)


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


def _schedule_out(call: Call, venue: Venue) -> ScheduleSetOut:
    """The venue's schedule set with its ETag header (§16)."""
    session = call.session
    schedule = schedule_sets.schedule_set(session, venue)
    call.send_etag(schedule_etag(schedule))
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
        editors=other_editors(session, call.context, _resource(venue), call.user.user_id, call.now),
    )


@router.get("/scheduleset", summary="The venue's schedule: draft, published, history, ETag")
@sends_etag
def get_schedule(venue: VenueReader, call: CallDep) -> ScheduleSetOut:
    return _schedule_out(call, venue)


@router.post("/scheduleset/slots", status_code=201, summary="Add a draft slot (If-Match)")
@sends_etag
def add_slot(body: SlotIn, venue: VenueEditor, if_match: IfMatch, call: CallDep) -> SlotOut:
    schedule, slot = schedule_sets.add_slot(
        call.session, venue, _slot_input(body), if_match=if_match, now=call.now, who=call.who
    )
    call.send_etag(schedule_etag(schedule))
    return _slot_out(slot)


@router.put("/scheduleset/slots/{slotId}", summary="Change a draft slot (If-Match)")
@sends_etag
def update_slot(
    slotId: uuid.UUID, body: SlotIn, venue: VenueEditor, if_match: IfMatch, call: CallDep
) -> SlotOut:
    wanted = _slot_input(body)
    schedule, slot = schedule_sets.update_slot(
        call.session, venue, slotId, wanted, if_match=if_match, now=call.now, who=call.who
    )
    call.send_etag(schedule_etag(schedule))
    return _slot_out(slot)


@router.delete(
    "/scheduleset/slots/{slotId}", status_code=204, summary="Remove a draft slot (If-Match)"
)
@sends_etag
def delete_slot(
    slotId: uuid.UUID, venue: VenueEditor, if_match: IfMatch, call: CallDep
) -> Response:
    schedule = schedule_sets.delete_slot(
        call.session, venue, slotId, if_match=if_match, now=call.now, who=call.who
    )
    return Response(status_code=204, headers={"ETag": schedule_etag(schedule)})


@router.post(
    "/scheduleset/publish",
    summary="Publish the draft schedule (If-Match); 422 unless its playlists are published",
    dependencies=[Depends(publish_rate_limit)],
)
@sends_etag
def publish_schedule(venue: VenueManager, if_match: IfMatch, call: CallDep) -> ScheduleSetOut:
    schedule_sets.publish_schedule(
        call.session,
        venue,
        if_match=if_match,
        user_id=call.user.user_id,
        now=call.now,
        who=call.who,
    )
    return _schedule_out(call, venue)


@router.post(
    "/scheduleset/rollback",
    summary="Publish an earlier schedule version again, as a new version (§27.9)",
    dependencies=[Depends(publish_rate_limit)],
)
@sends_etag
def rollback_schedule(
    body: RollbackIn, venue: VenueManager, if_match: IfMatch, call: CallDep
) -> ScheduleSetOut:
    schedule_sets.rollback_schedule(
        call.session,
        venue,
        body.to_version,
        if_match=if_match,
        user_id=call.user.user_id,
        now=call.now,
        who=call.who,
    )
    return _schedule_out(call, venue)


@router.post("/scheduleset/presence", summary="I am editing the schedule (repeat within ttl)")
def enter_schedule(venue: VenueEditor, call: CallDep) -> PresenceOut:
    return announce(call, _resource(venue))


@router.delete("/scheduleset/presence", status_code=204, summary="I stopped editing")
def leave_schedule(venue: VenueEditor, call: CallDep) -> Response:
    withdraw(call, _resource(venue))
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
def start_override(body: OverrideIn, venue: VenueManager, call: CallDep) -> OverrideOut:
    wanted = overrides.OverrideInput(
        target_type=body.target_type,
        target_id=body.target_id,
        playlist_id=body.playlist_id,
        starts_at=body.starts_at_utc,
        ends_at=body.ends_at_utc,
        name=body.name,
    )
    started = overrides.start_override(
        call.session, venue, wanted, user_id=call.user.user_id, now=call.now, who=call.who
    )
    return _override_out(started, call.now)


@router.post("/overrides/{overrideId}/cancel", summary="Stop a takeover now")
@raises(ConflictError)
def cancel_override(overrideId: uuid.UUID, venue: VenueManager, call: CallDep) -> OverrideOut:
    cancelled = overrides.cancel_override(
        call.session, venue, overrideId, user_id=call.user.user_id, now=call.now, who=call.who
    )
    return _override_out(cancelled, call.now)


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
    call: CallDep,
    from_utc: Annotated[datetime | None, Query(alias="from")] = None,
    to_utc: Annotated[datetime | None, Query(alias="to")] = None,
    device_id: Annotated[uuid.UUID | None, Query(alias="deviceId")] = None,
    group_id: Annotated[uuid.UUID | None, Query(alias="groupId")] = None,
) -> TimelineOut:
    window = (from_utc, to_utc)
    return timeline_out(call.session, call.context, venue, call.now, window, device_id, group_id)
