"""A venue's weekly schedule on the web app: the week as a grid, draft slots added, changed and
removed, publish and rollback (§7, §27.6, §27.9).

Times are typed and shown in venue-local wall-clock time (§30.3, §30.8). Authorization is the
/v1 routes': editors change draft slots (EDIT_CONTENT), managers publish and roll back (MANAGE).
Every change carries the ETag the page was rendered with as If-Match, so a change someone else
made in between is the 412 "reload" page, never silently overwritten (§16).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.presence import other_editors
from api.webapp.calls import FormPost, FormPostDep, PageView, PageViewDep
from api.webapp.forms import uuid_field, version_field
from api.webapp.lookups import Choice, target_choices, user_names, visible_playlists
from api.webapp.presence import editors_fragment, presence_every
from api.webapp.rendering import PageRoute, clock_time
from signage.auth.policy import VenueAction
from signage.concurrency import require_if_match
from signage.db.models import Playlist, SchedulePublishedSlot, ScheduleSlot, Venue
from signage.enums import PresenceResourceType, SlotTargetType
from signage.errors import ValidationFailedError
from signage.presence import Resource
from signage.scheduling import schedule_sets
from signage.scheduling.schedule_sets import SlotInput, schedule_etag

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SCHEDULE = "/app/venues/{venue_id}/schedule"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# One checkbox name per day: a posted form keeps only the first value of a repeated name.
DAY_FIELDS = tuple(f"day_{day[:3].lower()}" for day in WEEKDAYS)
DAY_CHOICES = tuple(zip(DAY_FIELDS, WEEKDAYS, strict=True))
DASH = "\N{EN DASH}"  # between a slot's start and end, as the grid writes them
MIDNIGHT = 24 * 60  # an end of 00:00 is the end of the day, 24:00 (§30.3)
MAX_PRIORITY = 1000  # the bounds the /v1 edge puts on a slot's priority (SlotIn)
# What <input type="time"> sends, HH:MM with seconds when its step asks for them, or H:MM typed
# where a browser offers a plain text box.
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?")
NOTICES = {
    "published": "Schedule published. Screens update on their next check.",
    "added": "Slot added to the draft. It reaches screens when the draft is published.",
    "updated": "Slot saved in the draft. It reaches screens when the draft is published.",
    "removed": "Slot removed from the draft. It leaves screens when the draft is published.",
}


# -- reading the add and edit forms -------------------------------------------------------------


def clock_minutes(text: str, *, end: bool = False) -> int:
    """Minutes after local midnight of the HH:MM a user typed (§30.3). An end of 00:00, 24:00
    or nothing is midnight at the end of the day: 1440."""
    text = text.strip()
    if end and text in {"", "24:00"}:
        return MIDNIGHT
    found = CLOCK.fullmatch(text)
    if found is None:
        which = "end" if end else "start"
        raise ValidationFailedError(f"Give the {which} time as hours and minutes, like 17:30.")
    minutes = int(found[1]) * 60 + int(found[2])
    return MIDNIGHT if end and minutes == 0 else minutes


def slot_window(start: int, end: int) -> tuple[int, int]:
    """(start, end) as stored, each 0..1439: an end at or before the start runs past midnight
    (§30.4), and midnight itself is stored as 0, so 00:00 to 24:00 is the whole day."""
    if start == end:
        raise ValidationFailedError(
            "The slot starts and ends at the same time. "
            "To play all day, start at 00:00 and leave the end empty."
        )
    return start, end % MIDNIGHT


def days_mask(form: dict[str, str]) -> int:
    """The ticked days as a days_of_week_mask: bit 0 = Monday ... bit 6 = Sunday (§26.8)."""
    mask = sum(1 << bit for bit, name in enumerate(DAY_FIELDS) if form.get(name))
    if not mask:
        raise ValidationFailedError("Tick at least one day.")
    return mask


def _target_field(form: dict[str, str]) -> tuple[SlotTargetType, uuid.UUID]:
    """ "GROUP:<id>" or "DEVICE:<id>", as the target list offers them."""
    kind, _, raw_id = form.get("target", "").partition(":")
    try:
        return SlotTargetType(kind), uuid.UUID(raw_id)
    except ValueError:
        raise ValidationFailedError("Choose a screen or group.") from None


def _priority_field(form: dict[str, str]) -> int:
    wrong = f"Priority is a whole number from -{MAX_PRIORITY} to {MAX_PRIORITY}."
    try:
        priority = int(form.get("priority", "").strip() or "0")
    except ValueError:
        raise ValidationFailedError(wrong) from None
    if not -MAX_PRIORITY <= priority <= MAX_PRIORITY:
        raise ValidationFailedError(wrong)
    return priority


def _date_field(form: dict[str, str], name: str, what: str) -> date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailedError(f"Give the {what} as a date, like 2026-06-15.") from None


def slot_input(form: dict[str, str]) -> SlotInput:
    """The slot a filled-in add or edit form states, or a readable 422 saying what is wrong.
    Whether the playlist and target exist here is the domain's check (§30.10)."""
    playlist_id = uuid_field(form, "playlist_id", "a playlist")
    target_type, target_id = _target_field(form)
    mask = days_mask(form)
    start, end = slot_window(
        clock_minutes(form.get("start", "")), clock_minutes(form.get("end", ""), end=True)
    )
    valid_from = _date_field(form, "valid_from", "first day")
    valid_to = _date_field(form, "valid_to", "last day")
    if valid_from and valid_to and valid_from > valid_to:
        raise ValidationFailedError("The last day comes before the first day.")
    return SlotInput(
        target_type=target_type,
        target_id=target_id,
        playlist_id=playlist_id,
        days_of_week_mask=mask,
        start_minutes=start,
        end_minutes=end,
        priority=_priority_field(form),
        valid_from_date=valid_from,
        valid_to_date=valid_to,
        enabled=bool(form.get("enabled")),
    )


# -- what the pages show ------------------------------------------------------------------------


def _ticked(mask: int, names: Sequence[str]) -> list[str]:
    """The names whose days_of_week_mask bit is set, Monday first."""
    return [name for bit, name in enumerate(names) if mask & (1 << bit)]


@dataclass(frozen=True)
class VenueChoices:
    """What a slot at the venue may point at: its groups and screens, the playlists it sees."""

    targets: dict[uuid.UUID, Choice]
    playlists: dict[uuid.UUID, Playlist]

    def target_options(self) -> list[Choice]:
        return sorted(self.targets.values(), key=lambda choice: choice.label)

    def playlist_options(self) -> list[Choice]:
        """Unpublished ones too (a draft may use them), marked: publishing needs them live."""
        return [
            Choice(str(p.id), p.name if p.published_version else f"{p.name} (not published yet)")
            for p in sorted(self.playlists.values(), key=lambda p: p.name)
        ]


def _choices(session: Session, venue: Venue) -> VenueChoices:
    return VenueChoices(target_choices(session, venue), visible_playlists(session, venue))


@dataclass(frozen=True)
class SlotRow:
    """A slot as the grid shows it: venue-local times and names instead of ids (§30.8)."""

    slot_id: uuid.UUID
    start: int
    end: int  # 1..1440: a stored end of 00:00 shows as 24:00
    days: list[str]
    playlist_name: str
    target: str
    priority: int
    enabled: bool
    valid_from: date | None
    valid_to: date | None

    @property
    def overnight(self) -> bool:
        """Ends on the next day (§30.4); the grid lists a slot on the day it starts."""
        return self.end <= self.start

    @property
    def summary(self) -> str:
        """Which slot this is, for its buttons' accessible names: the grid repeats a slot on
        each of its days, so "on Monday" would wrongly suggest one day is changed."""
        days = "every day" if len(self.days) == len(WEEKDAYS) else "on " + ", ".join(self.days)
        end = clock_time(self.end) + (" next day" if self.overnight else "")
        priority = f", priority {self.priority}" if self.priority else ""
        when = f"{clock_time(self.start)}{DASH}{end}"
        return f"{self.playlist_name} {when} {days} for {self.target}{priority}"


def _slot_row(slot: ScheduleSlot | SchedulePublishedSlot, choices: VenueChoices) -> SlotRow:
    target = choices.targets.get(slot.target_id)
    playlist = choices.playlists.get(slot.playlist_id)
    kind = "Group" if slot.target_type is SlotTargetType.GROUP else "Screen"
    return SlotRow(
        slot_id=slot.source_slot_id if isinstance(slot, SchedulePublishedSlot) else slot.id,
        start=slot.start_minutes,
        end=slot.end_minutes or MIDNIGHT,
        days=_ticked(slot.days_of_week_mask, WEEKDAYS),
        playlist_name=playlist.name if playlist is not None else "a removed playlist",
        target=target.label if target is not None else f"{kind}: removed",
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


@dataclass(frozen=True)
class SlotForm:
    """The add and edit forms' values in the inputs' own terms: venue time as HH:MM."""

    playlist_id: str = ""
    target: str = ""
    days: frozenset[str] = frozenset()  # the DAY_FIELDS ticked
    start: str = ""
    end: str = ""
    priority: int = 0
    valid_from: str = ""
    valid_to: str = ""
    enabled: bool = True


def _form_of(slot: ScheduleSlot) -> SlotForm:
    return SlotForm(
        playlist_id=str(slot.playlist_id),
        target=f"{slot.target_type.value}:{slot.target_id}",
        days=frozenset(_ticked(slot.days_of_week_mask, DAY_FIELDS)),
        start=clock_time(slot.start_minutes),
        end=clock_time(slot.end_minutes),  # 00:00 reads back as midnight, 24:00
        priority=slot.priority,
        valid_from=slot.valid_from_date.isoformat() if slot.valid_from_date else "",
        valid_to=slot.valid_to_date.isoformat() if slot.valid_to_date else "",
        enabled=slot.enabled,
    )


def _presence_of(venue: Venue) -> Resource:
    return Resource(venue.tenant_id, PresenceResourceType.SCHEDULE_SET, venue.id)


def _presence_values(view: PageView, venue: Venue) -> dict[str, Any]:
    """Who else is editing, and how often an editor's page says it still is (§16)."""
    resource, me = _presence_of(venue), view.user.user_id
    return {
        "editors": other_editors(view.session, view.context, resource, me, view.now),
        "presence_every": presence_every(view.context),
    }


def _schedule_url(venue: Venue, query: str = "") -> str:
    return f"/app/venues/{venue.id}/schedule" + (f"?{query}" if query else "")


def _page_etag(post: FormPost, venue: Venue) -> str | None:
    """The page's ETag, checked before the form is read, so a stale page hears "reload" rather
    than about a slot someone else removed (§16); the domain checks it again under its lock."""
    require_if_match(post.etag, schedule_etag(schedule_sets.schedule_set(post.session, venue)))
    return post.etag


# -- pages and forms ----------------------------------------------------------------------------


@router.get(SCHEDULE)
def schedule_page(
    venue_id: uuid.UUID, view: PageViewDep, done: str = "", rolled_back: int | None = None
) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    schedule = schedule_sets.schedule_set(view.session, venue)
    choices = _choices(view.session, venue)
    draft = schedule_sets.draft_slots(view.session, venue.id)
    live = schedule_sets.published_slots(view.session, venue.id, schedule.published_version)
    versions = schedule_sets.schedule_versions(view.session, venue.id)
    return view.render(
        "schedule.html",
        venue=venue,
        schedule=schedule,
        etag=schedule_etag(schedule),
        draft_week=_week([_slot_row(s, choices) for s in draft]),
        published_week=_week([_slot_row(s, choices) for s in live]),
        versions=versions,
        names=user_names(view.session, (v.published_by_user_id for v in versions)),
        can=view.abilities(venue),
        notice=NOTICES.get(done),
        rolled_back=rolled_back,
        choices=choices,
        form=SlotForm(),
        days=DAY_CHOICES,
        **_presence_values(view, venue),
    )


@router.post(SCHEDULE + "/add")
def add_slot(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    etag = _page_etag(post, venue)
    added = slot_input(post.form)
    schedule_sets.add_slot(post.session, venue, added, if_match=etag, now=post.now, who=post.who)
    return post.redirect(_schedule_url(venue, "done=added"))


@router.get(SCHEDULE + "/slots/{slot_id}")
def slot_page(venue_id: uuid.UUID, slot_id: uuid.UUID, view: PageViewDep) -> Response:
    """One draft slot's form, filled in; saving it is `PUT .../slots/{id}` (§27.6)."""
    venue = view.venue(venue_id, VenueAction.EDIT_CONTENT)
    schedule = schedule_sets.schedule_set(view.session, venue)
    slot = schedule_sets.draft_slot(view.session, venue, slot_id)
    choices = _choices(view.session, venue)
    return view.render(
        "schedule_slot.html",
        venue=venue,
        etag=schedule_etag(schedule),
        slot=_slot_row(slot, choices),
        can=view.abilities(venue),
        choices=choices,
        form=_form_of(slot),
        days=DAY_CHOICES,
        **_presence_values(view, venue),
    )


@router.post(SCHEDULE + "/slots/{slot_id}/save")
def save_slot(venue_id: uuid.UUID, slot_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    etag = _page_etag(post, venue)
    changed = slot_input(post.form)
    schedule_sets.update_slot(
        post.session, venue, slot_id, changed, if_match=etag, now=post.now, who=post.who
    )
    return post.redirect(_schedule_url(venue, "done=updated"))


@router.post(SCHEDULE + "/remove")
def remove_slot(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    etag = _page_etag(post, venue)
    slot_id = uuid_field(post.form, "slot_id", "a slot of this schedule")
    schedule_sets.delete_slot(
        post.session, venue, slot_id, if_match=etag, now=post.now, who=post.who
    )
    return post.redirect(_schedule_url(venue, "done=removed"))


@router.post(SCHEDULE + "/publish")
def publish_schedule(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    post.limit_publishing()
    schedule_sets.publish_schedule(
        post.session,
        venue,
        if_match=post.etag,
        user_id=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    return post.redirect(_schedule_url(venue, "done=published"))


@router.post(SCHEDULE + "/rollback")
def roll_back_schedule(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    """Publish what an earlier version held again, as a new version (§27.9); the draft stays."""
    venue = post.venue(venue_id, VenueAction.MANAGE)
    post.limit_publishing()
    to_version = version_field(post.form)
    schedule_sets.rollback_schedule(
        post.session,
        venue,
        to_version,
        if_match=post.etag,
        user_id=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    return post.redirect(_schedule_url(venue, f"rolled_back={to_version}"))


@router.post(SCHEDULE + "/presence")
def schedule_presence(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    """ "I am editing the schedule", repeated by the page within the TTL; answers who else is."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    return editors_fragment(post, _presence_of(venue))
