"""A venue's playlists and weekly schedule: reading, reordering and publishing (§15, §16).

Every change is made with the ETag the page was rendered with (a hidden field standing in for
If-Match), so a change someone else made in between is a 412 and the user is told to reload,
never silently overwritten (§16). Presence ("Sam Editor is editing") is the /v1 presence board.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import user_audit_context
from api.deps import ContextDep, NowDep, SessionDep
from api.presence import announce, other_editors
from api.routes.playlists import playlist_out, publish_rate_limit
from api.webapp.access import abilities, open_venue
from api.webapp.rendering import PageRoute, redirect, render
from api.webapp.session import CheckedForm, WebUser
from signage.auth.policy import VenueAction
from signage.concurrency import require_if_match
from signage.content import library
from signage.content.scope import LibraryScope
from signage.db.models import (
    Asset,
    Device,
    DeviceGroup,
    Playlist,
    SchedulePublishedSlot,
    ScheduleSlot,
    Venue,
)
from signage.enums import AssetStatus, PresenceResourceType, SlotTargetType
from signage.errors import ValidationFailedError
from signage.pagination import MAX_LIMIT, PageRequest
from signage.playlists import drafts, publishing
from signage.playlists.drafts import playlist_etag
from signage.presence import Resource
from signage.scheduling import schedule_sets
from signage.scheduling.schedule_sets import schedule_etag

router = APIRouter(route_class=PageRoute, include_in_schema=False)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _scope(venue: Venue) -> LibraryScope:
    """A venue sees the shared library and its own content; it changes only its own (§6)."""
    return LibraryScope(venue.tenant_id, venue.id)


def _presence_of(playlist: Playlist) -> Resource:
    return Resource(playlist.tenant_id, PresenceResourceType.PLAYLIST, playlist.id)


def _playlist_url(venue: Venue, playlist: Playlist) -> str:
    return f"/app/venues/{venue.id}/playlists/{playlist.id}"


@router.get("/app/venues/{venue_id}/playlists")
def playlists_page(
    venue_id: uuid.UUID, request: Request, user: WebUser, session: SessionDep
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.READ)
    found = drafts.list_playlists(session, _scope(venue), PageRequest(limit=MAX_LIMIT))
    counts = drafts.item_counts(session, [p.id for p in found.items])
    return render(
        request,
        "playlists.html",
        venue=venue,
        playlists=found.items,
        counts=counts,
        more=found.next_cursor is not None,
        can=abilities(user, venue.id),
    )


@router.get("/app/venues/{venue_id}/playlists/{playlist_id}")
def playlist_page(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    published: bool = False,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.READ)
    playlist = drafts.get_playlist(session, _scope(venue), playlist_id)
    can = abilities(user, venue.id)
    own = playlist.scope_venue_id == venue.id  # shared playlists are changed in the library
    return render(
        request,
        "playlist.html",
        venue=venue,
        playlist=playlist_out(session, context, playlist, user.user_id, now),
        etag=playlist_etag(playlist),
        can=can,
        editable=can.edit and own,
        publishable=can.manage and own,
        presence_every=max(5, context.settings.presence_ttl_seconds // 2),
        published=published,
        ready_assets=_ready_assets(session, venue) if can.edit and own else [],
    )


def _ready_assets(session: Session, venue: Venue) -> list[Asset]:
    """What an editor may add: READY assets the venue sees (its own and shared, §6)."""
    ready = library.AssetFilters(status=AssetStatus.READY)
    return library.list_assets(session, _scope(venue), ready, PageRequest(limit=MAX_LIMIT)).items


def _moved(order: list[uuid.UUID], item_id: uuid.UUID, direction: str) -> list[uuid.UUID]:
    """`order` with `item_id` one place up or down (unchanged at either end)."""
    if item_id not in order or direction not in {"up", "down"}:
        raise ValidationFailedError("Choose an item of this playlist and a direction.")
    index = order.index(item_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return order


def _item_id(form: dict[str, str]) -> uuid.UUID:
    try:
        return uuid.UUID(form.get("item_id", ""))
    except ValueError:
        raise ValidationFailedError("Choose an item of this playlist.") from None


@router.post("/app/venues/{venue_id}/playlists/{playlist_id}/move")
def move_item(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """Up/down: PUT .../reorder with the page's ETag as If-Match (§16)."""
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    scope = _scope(venue)
    etag = form.get("etag")
    # Stale first: a concurrent change may also have removed the item asked about (§16 412).
    require_if_match(etag, playlist_etag(drafts.get_playlist(session, scope, playlist_id)))
    order = [item.id for item, _ in drafts.draft_items(session, playlist_id)]
    wanted = _moved(order, _item_id(form), form.get("direction", ""))
    playlist = drafts.reorder_items(
        session,
        scope,
        playlist_id,
        wanted,
        if_match=etag,
        now=now,
        who=user_audit_context(request, user),
    )
    return redirect(request, _playlist_url(venue, playlist))


@router.post("/app/venues/{venue_id}/playlists/{playlist_id}/publish")
def publish_playlist(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.MANAGE)
    publish_rate_limit(request, context, user)
    publishing.publish_playlist(
        session,
        _scope(venue),
        playlist_id,
        if_match=form.get("etag"),
        user_id=user.user_id,
        now=now,
        who=user_audit_context(request, user),
    )
    playlist = drafts.get_playlist(session, _scope(venue), playlist_id)
    return redirect(request, _playlist_url(venue, playlist) + "?published=true")


@router.post("/app/venues/{venue_id}/playlists/{playlist_id}/presence")
def playlist_presence(
    venue_id: uuid.UUID,
    playlist_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    """ "I am editing this", repeated by the page within the TTL; answers who else is (§16)."""
    venue = open_venue(session, user, venue_id, VenueAction.EDIT_CONTENT)
    playlist = drafts.get_playlist(session, _scope(venue), playlist_id)
    presence = announce(session, context, _presence_of(playlist), user.user_id, now)
    return render(request, "_editors.html", editors=presence.editors)


# -- the weekly schedule ------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotRow:
    """A slot as the page shows it: venue-local times and names instead of ids (§30.8)."""

    start: int
    end: int
    days: list[str]
    playlist_name: str
    target: str
    priority: int
    enabled: bool
    valid_from: date | None
    valid_to: date | None


def _names(session: Session, venue: Venue) -> dict[uuid.UUID, str]:
    """Names of what slots point at: the venue's groups, devices and visible playlists."""
    groups = session.execute(
        select(DeviceGroup.id, DeviceGroup.name).where(DeviceGroup.venue_id == venue.id)
    )
    devices = session.execute(select(Device.id, Device.name).where(Device.venue_id == venue.id))
    playlists = session.execute(
        select(Playlist.id, Playlist.name).where(_scope(venue).sees(Playlist))
    )
    return {row_id: name for rows in (groups, devices, playlists) for row_id, name in rows}


def _target_label(slot: ScheduleSlot | SchedulePublishedSlot, names: dict[uuid.UUID, str]) -> str:
    kind = "Group" if slot.target_type is SlotTargetType.GROUP else "Screen"
    return f"{kind}: {names.get(slot.target_id, 'removed')}"


def _slot_row(slot: ScheduleSlot | SchedulePublishedSlot, names: dict[uuid.UUID, str]) -> SlotRow:
    return SlotRow(
        start=slot.start_minutes,
        end=slot.end_minutes,
        days=[day for bit, day in enumerate(WEEKDAYS) if slot.days_of_week_mask & (1 << bit)],
        playlist_name=names.get(slot.playlist_id, "a removed playlist"),
        target=_target_label(slot, names),
        priority=slot.priority,
        enabled=slot.enabled,
        valid_from=slot.valid_from_date,
        valid_to=slot.valid_to_date,
    )


def _week(rows: list[SlotRow]) -> list[tuple[str, list[SlotRow]]]:
    """Monday to Sunday, each day's slots by start time: the weekly grid (§7)."""
    return [
        (day, sorted((r for r in rows if day in r.days), key=lambda r: (r.start, -r.priority)))
        for day in WEEKDAYS
    ]


@router.get("/app/venues/{venue_id}/schedule")
def schedule_page(
    venue_id: uuid.UUID,
    request: Request,
    user: WebUser,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
    published: bool = False,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.READ)
    schedule = schedule_sets.schedule_set(session, venue)
    names = _names(session, venue)
    draft = [_slot_row(s, names) for s in schedule_sets.draft_slots(session, venue.id)]
    live = schedule_sets.published_slots(session, venue.id, schedule.published_version)
    editors = other_editors(
        session,
        context,
        Resource(venue.tenant_id, PresenceResourceType.SCHEDULE_SET, venue.id),
        user.user_id,
        now,
    )
    return render(
        request,
        "schedule.html",
        venue=venue,
        schedule=schedule,
        etag=schedule_etag(schedule),
        draft_week=_week(draft),
        published_week=_week([_slot_row(s, names) for s in live]),
        can=abilities(user, venue.id),
        editors=editors,
        published=published,
    )


@router.post("/app/venues/{venue_id}/schedule/publish")
def publish_schedule(
    venue_id: uuid.UUID,
    request: Request,
    user: WebUser,
    form: CheckedForm,
    context: ContextDep,
    session: SessionDep,
    now: NowDep,
) -> Response:
    venue = open_venue(session, user, venue_id, VenueAction.MANAGE)
    publish_rate_limit(request, context, user)
    schedule_sets.publish_schedule(
        session,
        venue,
        if_match=form.get("etag"),
        user_id=user.user_id,
        now=now,
        who=user_audit_context(request, user),
    )
    return redirect(request, f"/app/venues/{venue.id}/schedule?published=true")
