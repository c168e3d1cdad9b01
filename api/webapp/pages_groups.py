"""A venue's screen groups and its screens kept tidy (issue 19 items 5 and 6): create, rename
and delete groups, move a screen between groups, rename and remove a screen, on the domain calls
of /v1's `.../groups` and `PATCH`/`DELETE .../devices/{id}` (signage/devices/registry.py).

Managers change (§5: they run the screens); everyone with a role at the venue reads. A screen's
group and name change under the device's ETag like its settings (§16), so two managers never
overwrite each other. Deleting a group leaves its screens ungrouped and its schedule slots
matching nothing, as on /v1; the confirmation says so with the screens it holds.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.webapp.calls import FormPost, FormPostDep, PageViewDep
from api.webapp.forms import uuid_field
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
from signage.db.models import DeviceGroup, Venue
from signage.devices import registry
from signage.errors import ValidationFailedError
from signage.naming import DISPLAY_NAME_MAX
from signage.pagination import MAX_LIMIT, PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)

GROUPS = "/app/venues/{venue_id}/groups"
GROUP = GROUPS + "/{group_id}"
DEVICE = "/app/venues/{venue_id}/devices/{device_id}"
NOTICES = {
    "added": "Group added.",
    "renamed": "Group renamed.",
    "deleted": "Group deleted; its screens are now in no group.",
}


def venue_groups(session: Session, venue: Venue) -> list[DeviceGroup]:
    """The venue's groups by name (the first 200, as every list here)."""
    return registry.list_groups(session, venue, PageRequest(limit=MAX_LIMIT)).items


def screen_housekeeping(
    session: Session, venue: Venue, found: registry.DeviceView
) -> dict[str, Any]:
    """What the device page's group line and rename form need (_device_housekeeping.html)."""
    groups = venue_groups(session, venue)
    group_id = found.device.primary_group_id
    return {
        "groups": groups,
        "group_name": next((g.name for g in groups if g.id == group_id), None),
        "device_etag": found.etag,
    }


@router.get(GROUPS)
def groups_page(venue_id: uuid.UUID, view: PageViewDep, done: str | None = None) -> Response:
    venue = view.venue(venue_id, VenueAction.READ)
    devices = registry.list_devices(
        view.session, venue, registry.DeviceFilters(), PageRequest(limit=MAX_LIMIT), view.now
    ).items
    members: dict[uuid.UUID | None, list[str]] = {}
    for found in devices:
        members.setdefault(found.device.primary_group_id, []).append(found.device.name)
    return view.render(
        "groups.html",
        venue=venue,
        groups=venue_groups(view.session, venue),
        members=members,
        can=view.abilities(venue),
        notice=NOTICES.get(done or ""),
    )


def _name(form: dict[str, str], what: str) -> str:
    """A name typed in a form: the domain refuses a blank one; the bound is /v1's (§27.6)."""
    name = form.get("name", "").strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationFailedError(f"A {what}'s name is at most {DISPLAY_NAME_MAX} characters.")
    return name


def _to_groups(venue: Venue, done: str) -> str:
    return f"/app/venues/{venue.id}/groups?{urlencode({'done': done})}"


@router.post(GROUPS + "/new")
def create_group(venue_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    name = _name(post.form, "group")
    registry.create_group(post.session, venue, name, now=post.now, who=post.who)
    return post.redirect(_to_groups(venue, "added"))


@router.post(GROUP + "/rename")
def rename_group(venue_id: uuid.UUID, group_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    name = _name(post.form, "group")
    registry.rename_group(post.session, venue, group_id, name, now=post.now, who=post.who)
    return post.redirect(_to_groups(venue, "renamed"))


@router.post(GROUP + "/delete")
def delete_group(venue_id: uuid.UUID, group_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    registry.delete_group(post.session, venue, group_id, now=post.now, who=post.who)
    return post.redirect(_to_groups(venue, "deleted"))


def _change_device(post: FormPost, venue: Venue, device_id: uuid.UUID, **fields: Any) -> Response:
    """A PATCH naming `fields`, under the page's ETag (§16); back to the device page."""
    changes = registry.DeviceChanges(sent=frozenset(fields), **fields)
    registry.update_device(
        post.session, venue, device_id, changes, if_match=post.etag, now=post.now, who=post.who
    )
    return post.redirect(f"/app/venues/{venue.id}/devices/{device_id}")


@router.post(DEVICE + "/group")
def move_to_group(venue_id: uuid.UUID, device_id: uuid.UUID, post: FormPostDep) -> Response:
    """Into one of the venue's groups, or none ("" ); another venue's group is the domain's 422."""
    venue = post.venue(venue_id, VenueAction.MANAGE)
    chosen = post.form.get("group_id", "")
    group_id = uuid_field(post.form, "group_id", "a group") if chosen else None
    return _change_device(post, venue, device_id, primary_group_id=group_id)


@router.post(DEVICE + "/rename")
def rename_screen(venue_id: uuid.UUID, device_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    return _change_device(post, venue, device_id, name=_name(post.form, "screen"))


@router.post(DEVICE + "/remove")
def remove_screen(venue_id: uuid.UUID, device_id: uuid.UUID, post: FormPostDep) -> Response:
    """The /v1 DELETE: the screen's token stops working at once (§25.7); pairing it again
    takes a new code."""
    venue = post.venue(venue_id, VenueAction.MANAGE)
    registry.remove_device(post.session, venue, device_id, now=post.now, who=post.who)
    return post.redirect(f"/app/venues/{venue.id}")
