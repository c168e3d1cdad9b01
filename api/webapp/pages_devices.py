"""A venue's screens: live status, support commands (§18) and their outcomes, status history,
pairing by code or camera (§8) and the "what plays when" timeline of one screen (§21), on the
domain calls the /v1 routes make."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.ratelimit import enforce_pairing_claim_limits
from api.views import device_out, timeline_out
from api.webapp import command_words
from api.webapp.access import may
from api.webapp.calls import FormPostDep, PageView, PageViewDep
from api.webapp.charts import trend_charts
from api.webapp.forms import uuid_field
from api.webapp.lookups import user_names
from api.webapp.now_showing import now_showing
from api.webapp.pages_groups import screen_housekeeping
from api.webapp.pages_takeovers import takeovers_of
from api.webapp.pages_uploads import storage_policy
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction, authorize_tenant_admin
from signage.auth.principal import UserPrincipal
from signage.auth.roles import accessible_venues
from signage.db.models import Device, DeviceGroup, Venue
from signage.devices import commands, history, pairing, registry, screenshots
from signage.enums import CommandType
from signage.errors import ValidationFailedError
from signage.pagination import MAX_LIMIT, PageRequest
from signage.tenancy import admin
from warehouse.layout import WarehouseLayout

router = APIRouter(route_class=PageRoute, include_in_schema=False)

DEVICE = "/app/venues/{venue_id}/devices/{device_id}"
# Every support command a manager may send (§18, issue 19 item 8), in the order offered.
WEB_COMMANDS = tuple(CommandType)
RECENT_COMMANDS = 5
DEVICE_POLL_SECONDS = 30  # the device list refreshes itself; heartbeats come every 60 s
# While a command is open the list refreshes quickly so the screen's answer shows within
# seconds; once all are settled a slow refresh still catches commands sent by someone else.
COMMANDS_POLL_SECONDS = 2
SETTLED_POLL_SECONDS = 30


def in_words(code: str) -> str:
    """An enum value as a reader sees it: PLAYBACK_FAILED is "Playback failed"."""
    return code.replace("_", " ").capitalize()


def _device_list(view: PageView, venue: Venue) -> dict[str, Any]:
    """The venue's screens and what each is showing, for venue.html and its refresh."""
    found = registry.list_devices(
        view.session, venue, registry.DeviceFilters(), PageRequest(limit=MAX_LIMIT), view.now
    )
    devices = [device_out(found_view) for found_view in found.items]
    storage = view.context.storage
    return {
        "devices": devices,
        "showing": now_showing(view.session, storage, venue, devices, view.now),
    }


@router.get("/app/venues/{venue_id}")
def venue_page(venue_id: uuid.UUID, view: PageViewDep, takeover: str | None = None) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    response = view.render(
        "venue.html",
        venue=venue,
        can=view.abilities(venue),
        **_device_list(view, venue),
        poll_seconds=DEVICE_POLL_SECONDS,
        takeovers=takeovers_of(view.session, venue, view.now),
        takeover_notice=takeover,
        trends=trend_charts(
            WarehouseLayout.from_settings(view.context.settings),
            str(venue.tenant_id),
            {str(venue.id)},
            view.now,
        ),
    )
    return _showing_stored_images(response, view)


def _showing_stored_images(response: Response, view: PageView) -> Response:
    """Thumbnails and screenshots are signed URLs on the storage origin (§32.3)."""
    response.headers["Content-Security-Policy"] = storage_policy(view.context, "img-src")
    return response


@router.get("/app/venues/{venue_id}/device-list")
def device_list_fragment(venue_id: uuid.UUID, view: PageViewDep) -> Response:
    """The device list alone, for the page's periodic refresh (htmx)."""
    venue = view.venue(venue_id, VenueAction.READ)
    return view.render(
        "_device_list.html",
        venue=venue,
        **_device_list(view, venue),
        poll_seconds=DEVICE_POLL_SECONDS,
    )


@router.get(DEVICE)
def device_page(
    venue_id: uuid.UUID,
    device_id: uuid.UUID,
    view: PageViewDep,
    sent: str | None = None,
    moved: str | None = None,
    paired: str | None = None,
) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    found = registry.get_device(view.session, venue, device_id, view.now)
    response = view.render(
        "device.html",
        venue=venue,
        can=view.abilities(venue),
        move_to=_other_venues(view.session, view.user, venue),
        web_commands=WEB_COMMANDS,
        command_labels=command_words.LABELS,
        confirmations=command_words.CONFIRMATIONS,
        diagnostics_minutes=command_words.DIAGNOSTICS_MINUTES,
        log_levels=commands.LOG_LEVELS,
        sent=command_words.LABELS.get(CommandType(sent)) if sent in set(CommandType) else None,
        moved=moved is not None,
        paired=paired is not None,
        changes=history.recent_changes(view.session, found.device, view.now),
        events=history.recent_events(view.session, found.device),
        **_status(view, venue, found),
        **_command_list(view, venue, found.device),
        **screen_housekeeping(view.session, venue, found),
    )
    return _showing_stored_images(response, view)


def _other_venues(session: Session, user: UserPrincipal, venue: Venue) -> list[Venue]:
    """Where a tenant admin may move this screen (§25.1); nobody else is offered a move."""
    if not user.is_tenant_admin:
        return []
    found = admin.list_venues(session, user.tenant_id, PageRequest(limit=MAX_LIMIT)).items
    return [other for other in found if other.id != venue.id]


@router.post(DEVICE + "/move")
def move_device(venue_id: uuid.UUID, device_id: uuid.UUID, post: FormPostDep) -> Response:
    """The /v1 move (issue 15 item 6): TENANT_ADMIN only; the screen carries on in its new venue."""
    venue = post.venue(venue_id, VenueAction.MANAGE)
    authorize_tenant_admin(post.user)
    target = uuid_field(post.form, "to_venue_id", "a venue of your group")
    to_venue = admin.get_venue(post.session, post.user.tenant_id, target)
    registry.move_device(post.session, venue, device_id, to_venue, now=post.now, who=post.who)
    return post.redirect(f"/app/venues/{to_venue.id}/devices/{device_id}?moved=1")


@router.get(DEVICE + "/status")
def status_fragment(venue_id: uuid.UUID, device_id: uuid.UUID, view: PageViewDep) -> Response:
    """The latest report alone, polled by the device page (htmx)."""
    venue = view.venue(venue_id, VenueAction.READ)
    found = registry.get_device(view.session, venue, device_id, view.now)
    return view.render("_device_status.html", venue=venue, **_status(view, venue, found))


def _status(view: PageView, venue: Venue, found: registry.DeviceView) -> dict[str, Any]:
    """What _device_status.html shows: the latest report and what is on screen (item 3)."""
    device = device_out(found)
    showing = now_showing(view.session, view.context.storage, venue, [device], view.now)
    return {
        "device": device,
        "showing": showing.get(device.device_id),
        "in_words": in_words,
        "status_poll_seconds": DEVICE_POLL_SECONDS,
    }


@router.get(DEVICE + "/commands-list")
def command_list_fragment(venue_id: uuid.UUID, device_id: uuid.UUID, view: PageViewDep) -> Response:
    """The recent commands alone, polled by the device page (htmx) to show the screen's answers."""
    venue = view.venue(venue_id, VenueAction.READ)
    device = registry.get_device(view.session, venue, device_id, view.now).device
    return view.render("_device_commands.html", venue=venue, **_command_list(view, venue, device))


def _command_list(view: PageView, venue: Venue, device: Device) -> dict[str, Any]:
    """What _device_commands.html shows, on the device page and in its refresh: each command's
    progress and answer in words (item 8), a screenshot's picture (item 3)."""
    page = PageRequest(limit=RECENT_COMMANDS)
    recent = commands.history(view.session, device, page, view.now).items
    still_open = any(c.status in commands.OPEN_STATUSES for c in recent)
    storage = view.context.storage
    return {
        "commands": recent,
        "device_name": device.name,
        "issuers": user_names(view.session, (c.issued_by_user_id for c in recent)),
        "command_names": command_words.LABELS,
        "status_words": command_words.STATUS_WORDS,
        "steps": {c.id: command_words.steps(c) for c in recent},
        "answers": {c.id: command_words.answer(c) for c in recent},
        "screenshots": {c.id: screenshots.view_url(storage, c, view.now) for c in recent},
        "commands_url": f"/app/venues/{venue.id}/devices/{device.id}/commands-list",
        "poll_seconds": COMMANDS_POLL_SECONDS if still_open else SETTLED_POLL_SECONDS,
    }


def _web_command(form: dict[str, str]) -> tuple[CommandType, dict[str, Any]]:
    """The command the form asked for and its parameters; the domain validates them (422)."""
    value = form.get("type", "")
    if value not in set(CommandType):
        raise ValidationFailedError(f"{value or 'No command'} cannot be sent from here.")
    command_type = CommandType(value)
    if command_type is CommandType.ENABLE_DIAGNOSTICS:
        return command_type, {"durationMinutes": _whole_number(form, "duration_minutes")}
    if command_type is CommandType.SET_LOG_LEVEL:
        return command_type, {"level": form.get("level", "")}
    return command_type, {}


def _whole_number(form: dict[str, str], name: str) -> int | None:
    text = form.get(name, "").strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


@router.post(DEVICE + "/commands")
def send_command(venue_id: uuid.UUID, device_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    command_type, parameters = _web_command(post.form)
    device = registry.get_device(post.session, venue, device_id, post.now).device
    commands.issue(
        post.session,
        device,
        command_type,
        parameters,
        issued_by=post.user.user_id,
        now=post.now,
        who=post.who,
    )
    post.context.waiting_commands.issued(device.id, post.now)
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
    enforce_pairing_claim_limits(post.request, post.context, post.user.tenant_id, venue.id)
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
    # Pairing ends with a success message naming the screen (issue 19 item 13).
    return post.redirect(f"/app/venues/{venue.id}/devices/{device.id}?paired=1")
