"""Urgent takeovers on the venue page, and the venue's publish history (§2, §26.11, §27.6).

Everyone at the venue sees the takeovers that are running or scheduled; managers start one (a
published playlist on the whole venue, a group or one screen, until a venue-local end time or
until cancelled) and cancel one, as `POST /v1/venues/{id}/overrides` and `.../cancel` do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.webapp.calls import FormPostDep, PageViewDep
from api.webapp.forms import uuid_field
from api.webapp.lookups import Choice, target_choices, user_names, visible_playlists
from api.webapp.rendering import PageRoute
from signage import publish_history
from signage.auth.policy import VenueAction
from signage.db.models import Playlist, Venue, VenueOverride
from signage.enums import OverrideTargetType, PublishEventType
from signage.errors import ValidationFailedError
from signage.pagination import PageRequest
from signage.scheduling import overrides

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HISTORY_PAGE_SIZE = 50
EVENT_LABELS = {
    PublishEventType.PLAYLIST_PUBLISH: "Playlist published",
    PublishEventType.PLAYLIST_ROLLBACK: "Playlist rolled back",
    PublishEventType.SCHEDULE_PUBLISH: "Schedule published",
    PublishEventType.SCHEDULE_ROLLBACK: "Schedule rolled back",
    PublishEventType.OVERRIDE_STARTED: "Takeover started",
    PublishEventType.OVERRIDE_CANCELLED: "Takeover cancelled",
}


@dataclass(frozen=True)
class TakeoverRow:
    override_id: uuid.UUID
    playlist_name: str
    target: str
    starts_at: datetime
    ends_at: datetime | None
    active: bool


@dataclass(frozen=True)
class Takeovers:
    """What the venue page shows of takeovers, and what a manager may choose from."""

    rows: list[TakeoverRow]
    playlists: list[Choice]
    targets: list[Choice]


def _row(
    override: VenueOverride,
    venue: Venue,
    targets: dict[uuid.UUID, Choice],
    playlists: dict[uuid.UUID, Playlist],
    now: datetime,
) -> TakeoverRow:
    whole_venue = override.target_type is OverrideTargetType.VENUE
    playlist = playlists.get(override.playlist_id)
    return TakeoverRow(
        override_id=override.id,
        playlist_name=playlist.name if playlist is not None else "a removed playlist",
        target=f"Whole venue: {venue.name}" if whole_venue else _label(targets, override),
        starts_at=override.starts_at,
        ends_at=override.ends_at,
        active=overrides.override_rule(override).is_active_at(now),
    )


def _label(targets: dict[uuid.UUID, Choice], override: VenueOverride) -> str:
    known = targets.get(override.target_id)
    return known.label if known is not None else "a removed screen or group"


def takeovers_of(session: Session, venue: Venue, now: datetime) -> Takeovers:
    """The venue's takeovers as the page lists them, and what a new one may play."""
    targets = target_choices(session, venue)
    playlists = visible_playlists(session, venue)
    rows = [
        _row(o, venue, targets, playlists, now)
        for o in overrides.list_overrides(session, venue.id, now)
    ]
    published = sorted(
        (p for p in playlists.values() if p.published_version is not None), key=lambda p: p.name
    )
    return Takeovers(
        rows=rows,
        playlists=[Choice(str(p.id), p.name) for p in published],
        targets=[
            Choice("VENUE", f"Whole venue: {venue.name}"),
            *sorted(targets.values(), key=lambda choice: choice.label),
        ],
    )


def _target(form: dict[str, str]) -> tuple[OverrideTargetType, uuid.UUID | None]:
    """ "VENUE", "GROUP:<id>" or "DEVICE:<id>", as the page's choice list offers them."""
    kind, _, raw_id = form.get("target", "").partition(":")
    try:
        target_type = OverrideTargetType(kind)
        return target_type, None if target_type is OverrideTargetType.VENUE else uuid.UUID(raw_id)
    except ValueError:
        raise ValidationFailedError("Choose where the takeover plays.") from None


def _ends_at(form: dict[str, str], venue: Venue) -> datetime | None:
    """The end the user typed in venue-local time (§30.8), as UTC; empty: until cancelled."""
    text = form.get("ends_at", "").strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailedError("Give the end as a date and time.") from None
    return local.replace(tzinfo=ZoneInfo(venue.timezone))


@router.get("/app/venues/{venue_id}/takeover")
def takeover_page(venue_id: uuid.UUID, view: PageViewDep, target: str | None = None) -> Response:
    """The emergency takeover's own page, one tap from the venue's screens (issue 19 item 13);
    `target` ("DEVICE:<id>", "GROUP:<id>") preselects where, as a screen's page links it."""
    venue = view.venue(venue_id, VenueAction.MANAGE)
    return view.render(
        "takeover.html",
        venue=venue,
        takeovers=takeovers_of(view.session, venue, view.now),
        chosen_target=target,
    )


@router.post("/app/venues/{venue_id}/takeover")
def start_takeover(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    post.limit_publishing()
    target_type, target_id = _target(post.form)
    wanted = overrides.OverrideInput(
        target_type=target_type,
        target_id=target_id,
        playlist_id=uuid_field(post.form, "playlist_id", "a published playlist"),
        ends_at=_ends_at(post.form, venue),
        name=post.form.get("name", "").strip() or None,
    )
    overrides.start_override(
        post.session, venue, wanted, user_id=post.user.user_id, now=post.now, who=post.who
    )
    return post.redirect(f"/app/venues/{venue.id}?takeover=started")


@router.post("/app/venues/{venue_id}/cancel-takeover")
def cancel_takeover(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    override_id = uuid_field(post.form, "override_id", "a takeover to stop")
    overrides.cancel_override(
        post.session, venue, override_id, user_id=post.user.user_id, now=post.now, who=post.who
    )
    return post.redirect(f"/app/venues/{venue.id}?takeover=cancelled")


@router.get("/app/venues/{venue_id}/publishes")
def publishes_page(venue_id: uuid.UUID, view: PageViewDep, cursor: str | None = None) -> Response:
    """`GET /v1/venues/{id}/publishes`: the venue's and tenant-wide events, newest first."""
    venue = view.venue(venue_id, VenueAction.READ)
    page = PageRequest(limit=HISTORY_PAGE_SIZE, cursor=cursor)
    found = publish_history.venue_publishes(view.session, venue.tenant_id, venue.id, page)
    playlists = visible_playlists(view.session, venue)
    return view.render(
        "publishes.html",
        venue=venue,
        events=found.items,
        labels=EVENT_LABELS,
        playlist_names={str(pid): p.name for pid, p in playlists.items()},
        names=user_names(view.session, (e.published_by_user_id for e in found.items)),
        next_cursor=found.next_cursor,
    )
