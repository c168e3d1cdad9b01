"""A venue's screens: live status, support commands (§18) and their outcomes, status history,
pairing by code or camera (§8) and the "what plays when" timeline of one screen (§21), on the
domain calls the /v1 routes make."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.ratelimit import client_ip_address, enforce
from api.schemas.devices import DeviceOut
from api.views import device_out, timeline_out
from api.webapp.access import may
from api.webapp.calls import FormPost, FormPostDep, PageViewDep
from api.webapp.forms import uuid_field
from api.webapp.lookups import user_names
from api.webapp.pages_takeovers import takeovers_of
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
from signage.auth.principal import UserPrincipal
from signage.auth.roles import accessible_venues
from signage.db.models import Device, DeviceGroup, Venue
from signage.devices import commands, history, pairing, registry
from signage.enums import CommandStatus, CommandType
from signage.errors import ValidationFailedError
from signage.pagination import MAX_LIMIT, PageRequest
from signage.ratelimit import LimitCategory

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DEVICE = "/app/venues/{venue_id}/devices/{device_id}"
# The support commands offered on a phone (§18); the rest stay on /v1 and the ops console.
WEB_COMMANDS = {
    CommandType.REQUEST_MANIFEST_REFRESH: "Refresh content",
    CommandType.RESTART_PLAYBACK_LOOP: "Restart playback",
}
RECENT_COMMANDS = 5
DEVICE_POLL_SECONDS = 30  # the device list refreshes itself; heartbeats come every 60 s
# While a command is open the list refreshes quickly so the screen's answer shows within
# seconds; once all are settled a slow refresh still catches commands sent by someone else.
COMMANDS_POLL_SECONDS = 2
SETTLED_POLL_SECONDS = 30
COMMAND_STATUS_WORDS = {
    CommandStatus.PENDING: "Waiting for the screen to pick it up",
    CommandStatus.DELIVERED: "Delivered, the screen is carrying it out",
    CommandStatus.SUCCEEDED: "Completed",
    CommandStatus.FAILED: "Failed",
    CommandStatus.EXPIRED: "Expired: the screen did not answer within a day",
}


def in_words(code: str) -> str:
    """An enum value as a reader sees it: PLAYBACK_FAILED is "Playback failed"."""
    return code.replace("_", " ").capitalize()


def _device_list(session: Session, venue: Venue, now: datetime) -> list[DeviceOut]:
    found = registry.list_devices(
        session, venue, registry.DeviceFilters(), PageRequest(limit=MAX_LIMIT), now
    )
    return [device_out(view) for view in found.items]


@router.get("/app/venues/{venue_id}")
def venue_page(venue_id: uuid.UUID, view: PageViewDep, takeover: str | None = None) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    return view.render(
        "venue.html",
        venue=venue,
        can=view.abilities(venue),
        devices=_device_list(view.session, venue, view.now),
        poll_seconds=DEVICE_POLL_SECONDS,
        takeovers=takeovers_of(view.session, venue, view.now),
        takeover_notice=takeover,
    )


@router.get("/app/venues/{venue_id}/device-list")
def device_list_fragment(venue_id: uuid.UUID, view: PageViewDep) -> Response:
    """The device list alone, for the page's periodic refresh (htmx)."""
    venue = view.venue(venue_id, VenueAction.READ)
    return view.render(
        "_device_list.html",
        venue=venue,
        devices=_device_list(view.session, venue, view.now),
        poll_seconds=DEVICE_POLL_SECONDS,
    )


@router.get(DEVICE)
def device_page(
    venue_id: uuid.UUID, device_id: uuid.UUID, view: PageViewDep, sent: str | None = None
) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    found = registry.get_device(view.session, venue, device_id, view.now)
    return view.render(
        "device.html",
        venue=venue,
        device=device_out(found),
        can=view.abilities(venue),
        command_labels={c.value: label for c, label in WEB_COMMANDS.items()},
        sent=WEB_COMMANDS.get(CommandType(sent)) if sent in set(CommandType) else None,
        changes=history.recent_changes(view.session, found.device, view.now),
        events=history.recent_events(view.session, found.device),
        in_words=in_words,
        status_poll_seconds=DEVICE_POLL_SECONDS,
        **_command_list(view.session, venue, found.device, view.now),
    )


@router.get(DEVICE + "/status")
def status_fragment(venue_id: uuid.UUID, device_id: uuid.UUID, view: PageViewDep) -> Response:
    """The latest report alone, polled by the device page (htmx)."""
    venue = view.venue(venue_id, VenueAction.READ)
    found = registry.get_device(view.session, venue, device_id, view.now)
    return view.render(
        "_device_status.html",
        venue=venue,
        device=device_out(found),
        in_words=in_words,
        status_poll_seconds=DEVICE_POLL_SECONDS,
    )


@router.get(DEVICE + "/commands-list")
def command_list_fragment(venue_id: uuid.UUID, device_id: uuid.UUID, view: PageViewDep) -> Response:
    """The recent commands alone, polled by the device page (htmx) to show the screen's answers."""
    venue = view.venue(venue_id, VenueAction.READ)
    device = registry.get_device(view.session, venue, device_id, view.now).device
    commands_shown = _command_list(view.session, venue, device, view.now)
    return view.render("_device_commands.html", venue=venue, **commands_shown)


def _command_list(session: Session, venue: Venue, device: Device, now: datetime) -> dict[str, Any]:
    """What _device_commands.html shows, on the device page and in its refresh."""
    recent = commands.history(session, device, PageRequest(limit=RECENT_COMMANDS), now).items
    still_open = any(c.status in commands.OPEN_STATUSES for c in recent)
    return {
        "commands": recent,
        "issuers": user_names(session, (c.issued_by_user_id for c in recent)),
        "command_names": {c: WEB_COMMANDS.get(c) or in_words(c.value) for c in CommandType},
        "status_words": COMMAND_STATUS_WORDS,
        "commands_url": f"/app/venues/{venue.id}/devices/{device.id}/commands-list",
        "poll_seconds": COMMANDS_POLL_SECONDS if still_open else SETTLED_POLL_SECONDS,
    }


def _web_command(value: str) -> CommandType:
    if value not in {c.value for c in WEB_COMMANDS}:
        raise ValidationFailedError(f"{value or 'No command'} cannot be sent from here.")
    return CommandType(value)


@router.post(DEVICE + "/commands")
def send_command(venue_id: uuid.UUID, device_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    command_type = _web_command(post.form.get("type", ""))
    device = registry.get_device(post.session, venue, device_id, post.now).device
    commands.issue(
        post.session,
        device,
        command_type,
        {},
        issued_by=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    return post.redirect(f"/app/venues/{venue.id}/devices/{device.id}?sent={command_type}")


@router.get(DEVICE + "/timeline")
def device_timeline(venue_id: uuid.UUID, device_id: uuid.UUID, view: PageViewDep) -> Response:
    """The /v1 timeline's view of this device over its default window (7 days)."""
    venue = view.venue(venue_id, VenueAction.READ)
    device = registry.get_device(view.session, venue, device_id, view.now).device
    plan = timeline_out(view.session, view.context, venue, view.now, (None, None), device.id, None)
    return view.render("timeline.html", venue=venue, device=device, plan=plan)


# -- pairing ----------------------------------------------------------------------------------


def _managed_venues(session: Session, user: UserPrincipal) -> list[Venue]:
    found = accessible_venues(session, user, PageRequest(limit=MAX_LIMIT))
    return [venue for venue, _ in found.items if may(user, venue.id, VenueAction.MANAGE)]


@router.get("/app/pair")
def pair_page(
    view: PageViewDep, code: str | None = None, venue: uuid.UUID | None = None
) -> Response:
    """Where a screen's QR code leads (`qrPayload`, §27.7), and "Pair a screen" on a venue."""
    venues = _managed_venues(view.session, view.user)
    return view.render(
        "pair.html",
        venues=venues,
        groups=_groups_by_venue(view.session, venues),
        code=(code or "")[:16],
        chosen=venue,
    )


def _groups_by_venue(session: Session, venues: list[Venue]) -> dict[uuid.UUID, list[DeviceGroup]]:
    """The groups a new screen may join (§8 pairing `groupId`), per venue, by name."""
    groups = session.scalars(
        select(DeviceGroup)
        .where(DeviceGroup.venue_id.in_([v.id for v in venues]))
        .order_by(DeviceGroup.name)
    )
    by_venue: dict[uuid.UUID, list[DeviceGroup]] = {}
    for group in groups:
        by_venue.setdefault(group.venue_id, []).append(group)
    return by_venue


def _optional_group(form: dict[str, str]) -> uuid.UUID | None:
    return uuid_field(form, "group_id", "a group") if form.get("group_id") else None


@router.post("/app/pair")
def pair_screen(post: FormPostDep) -> Response:
    venue = post.venue(uuid_field(post.form, "venue_id", "a venue"), VenueAction.MANAGE)
    code, name = post.form.get("code", "").strip(), post.form.get("name", "").strip()
    if not code or not name or len(code) > 16 or len(name) > 200:
        raise ValidationFailedError("Type the code the screen shows and give the screen a name.")
    _limit_pairing(post, venue)
    device = pairing.claim(
        post.session,
        post.user,
        venue,
        code=code,
        name=name,
        group_id=_optional_group(post.form),  # one of another venue's groups is a 422 (domain)
        now=post.now,
        who=post.who,
    )
    return post.redirect(f"/app/venues/{venue.id}/devices/{device.id}")


def _limit_pairing(post: FormPost, venue: Venue) -> None:
    """The /v1 pairing limits: claims per client address and per venue (§27.1)."""
    request, context, tenant_id = post.request, post.context, post.user.tenant_id
    ip = client_ip_address(request) or "unknown"
    enforce(request, context, LimitCategory.PAIRING_CLAIM_PER_IP, ip, tenant_id=tenant_id)
    venue_key = str(venue.id)
    enforce(request, context, LimitCategory.PAIRING_CLAIM_PER_VENUE, venue_key, tenant_id=tenant_id)
