"""A venue's weekly schedule on the web app: the week as a calendar (schedule_calendar.py),
draft slots added, changed and removed, publish, rollback and discarding the draft's changes
(§7, §27.6, §27.9).

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
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.presence import other_editors
from api.webapp.calls import FormPost, FormPostDep, PageView, PageViewDep
from api.webapp.forms import uuid_field, version_field
from api.webapp.lookups import Choice, target_choices, user_names, visible_playlists
from api.webapp.presence import editors_fragment, presence_every
from api.webapp.rendering import PageRoute, clock_time
from api.webapp.schedule_calendar import HOURS, WEEKDAYS, SlotRow, day_key, week_calendar
from signage.auth.policy import VenueAction
from signage.concurrency import require_if_match
from signage.db.models import Playlist, SchedulePublishedSlot, ScheduleSlot, Venue
from signage.enums import PresenceResourceType, SlotTargetType
from signage.errors import ValidationFailedError
from signage.presence import Resource
from signage.scheduling import schedule_sets
from signage.scheduling.model import MINUTES_PER_DAY, PRIORITY_LIMIT
from signage.scheduling.schedule_sets import SlotInput, schedule_etag

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SCHEDULE = "/app/venues/{venue_id}/schedule"
# One checkbox name per day: a posted form keeps only the first value of a repeated name.
DAY_FIELDS = tuple(f"day_{day_key(day)}" for day in WEEKDAYS)
DAY_CHOICES = tuple(zip(DAY_FIELDS, WEEKDAYS, strict=True))
MIDNIGHT = MINUTES_PER_DAY  # an end of 00:00 is the end of the day, 24:00 (§30.3)
# What <input type="time"> sends, HH:MM with seconds when its step asks for them, or H:MM typed
# where a browser offers a plain text box.
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?")
NOTICES = {
    "published": "Schedule published. Screens update on their next check.",
    "added": "Slot added to the draft. It reaches screens when the draft is published.",
    "updated": "Slot saved in the draft. It reaches screens when the draft is published.",
    "removed": "Slot removed from the draft. It leaves screens when the draft is published.",
    "discarded": "Draft changes discarded: the draft is what screens play.",
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
    (§30.4), and midnight itself is stored as 0, so 00:00 to 24:00 is the whole day. An end
    equal to the start is 24 hours from the start, as on /v1 and in the resolver (SlotRule)."""
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
    wrong = f"Priority is a whole number from -{PRIORITY_LIMIT} to {PRIORITY_LIMIT}."
    try:
        priority = int(form.get("priority", "").strip() or "0")
    except ValueError:
        raise ValidationFailedError(wrong) from None
    if not -PRIORITY_LIMIT <= priority <= PRIORITY_LIMIT:
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


def _first_day(slot: SlotInput) -> str:
    """The first day a slot plays, which a phone's day view shows after it is added or saved."""
    return day_key(_ticked(slot.days_of_week_mask, WEEKDAYS)[0])


def _schedule_url(venue: Venue, query: str = "") -> str:
    return f"/app/venues/{venue.id}/schedule" + (f"?{query}" if query else "")


def _page_etag(post: FormPost, venue: Venue) -> str | None:
    """The page's ETag, checked before the form is read, so a stale page hears "reload" rather
    than about a slot someone else removed (§16); the domain checks it again under its lock."""
    require_if_match(post.etag, schedule_etag(schedule_sets.schedule_set(post.session, venue)))
    return post.etag


# -- pages and forms ----------------------------------------------------------------------------


def _selected_day(view: PageView, venue: Venue, day: str) -> int:
    """The phone's one day (0 = Monday): the one asked for, else today at the venue (§30.8)."""
    keys = [day_key(name) for name in WEEKDAYS]
    if day in keys:
        return keys.index(day)
    return view.now.astimezone(ZoneInfo(venue.timezone)).weekday()


@router.get(SCHEDULE)
def schedule_page(
    venue_id: uuid.UUID,
    view: PageViewDep,
    done: str = "",
    rolled_back: int | None = None,
    show: str = "draft",
    day: str = "",
) -> Response:
    """The week as a calendar (issue 19 item 7): the draft, or with ?show=live what plays."""
    venue = view.venue(venue_id, VenueAction.READ)
    schedule = schedule_sets.schedule_set(view.session, venue)
    choices = _choices(view.session, venue)
    live_view = show == "live" and schedule.published_version is not None
    slots = (
        schedule_sets.published_slots(view.session, venue.id, schedule.published_version)
        if live_view
        else schedule_sets.draft_slots(view.session, venue.id)
    )
    versions = schedule_sets.schedule_versions(view.session, venue.id)
    return view.render(
        "schedule.html",
        venue=venue,
        schedule=schedule,
        etag=schedule_etag(schedule),
        standing=schedule_sets.draft_standing(view.session, venue, schedule),
        live_view=live_view,
        calendar=week_calendar(
            [_slot_row(s, choices) for s in slots], _selected_day(view, venue, day)
        ),
        hours=HOURS,
        versions=versions,
        names=user_names(view.session, (v.published_by_user_id for v in versions)),
        can=view.abilities(venue),
        notice=NOTICES.get(done),
        rolled_back=rolled_back,
        **_presence_values(view, venue),
    )


def _tapped_form(day: str, start: str) -> SlotForm:
    """The add form started from a tapped hour of the calendar: that day, an hour from then."""
    days = frozenset({f"day_{day}"} & set(DAY_FIELDS))
    if CLOCK.fullmatch(start) is None:
        return SlotForm(days=days)
    minutes = clock_minutes(start)
    return SlotForm(days=days, start=clock_time(minutes), end=clock_time((minutes + 60) % MIDNIGHT))


@router.get(SCHEDULE + "/new")
def new_slot_page(
    venue_id: uuid.UUID, view: PageViewDep, day: str = "", start: str = ""
) -> Response:
    """ "Add a slot" on a page of its own, at the top of a phone's screen (issue 19 item 7)."""
    venue = view.venue(venue_id, VenueAction.EDIT_CONTENT)
    schedule = schedule_sets.schedule_set(view.session, venue)
    return view.render(
        "schedule_new.html",
        venue=venue,
        etag=schedule_etag(schedule),
        can=view.abilities(venue),
        choices=_choices(view.session, venue),
        form=_tapped_form(day, start),
        days=DAY_CHOICES,
        **_presence_values(view, venue),
    )


@router.post(SCHEDULE + "/add")
def add_slot(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    etag = _page_etag(post, venue)
    added = slot_input(post.form)
    schedule_sets.add_slot(post.session, venue, added, if_match=etag, now=post.now, who=post.who)
    return post.redirect(_schedule_url(venue, f"done=added&day={_first_day(added)}"))


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
    return post.redirect(_schedule_url(venue, f"done=updated&day={_first_day(changed)}"))


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
    _refuse_a_pointless_publish(post, venue)
    schedule_sets.publish_schedule(
        post.session,
        venue,
        if_match=post.etag,
        user_id=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    return post.redirect(_schedule_url(venue, "done=published"))


def _refuse_a_pointless_publish(post: FormPost, venue: Venue) -> None:
    """The page offers no publish that means nothing or must fail (issue 19 item 2); one sent
    anyway (twice, or from a stale page) hears why in words. /v1 keeps its own rules (§15)."""
    _page_etag(post, venue)
    schedule = schedule_sets.schedule_set(post.session, venue)
    refusal = schedule_sets.draft_standing(post.session, venue, schedule).refusal
    if refusal is not None:
        raise ValidationFailedError(refusal)


@router.post(SCHEDULE + "/discard")
def discard_draft(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    """The draft becomes what plays again (issue 19 item 1): after a rollback, the way out of
    publishing the rolled-back changes by accident."""
    venue = post.venue(venue_id, VenueAction.EDIT_CONTENT)
    schedule_sets.discard_draft(post.session, venue, if_match=post.etag, now=post.now, who=post.who)
    return post.redirect(_schedule_url(venue, "done=discarded"))


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
