"""A screen's configuration (§21 "Device management: configuration", §19 run modes): the
settings of `PATCH /v1/venues/{id}/devices/{deviceId}`, for venue managers.

The form carries the device's ETag (`"device-vN"`) in a hidden field that the save hands to
`registry.update_device` as If-Match, so two managers changing one screen at once never
overwrite each other: the second gets the 412 "reload" page (§16). The form sends every
setting it shows (an unticked box is "off"), like a PATCH naming all of them.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from api.views import device_out
from api.webapp.calls import FormPostDep, PageViewDep
from api.webapp.forms import ticked
from api.webapp.rendering import PageRoute
from signage.auth.policy import VenueAction
from signage.devices import registry
from signage.enums import Orientation, RunMode
from signage.errors import ValidationFailedError
from signage.naming import DISPLAY_NAME_MAX

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SETTINGS = "/app/venues/{venue_id}/devices/{device_id}/settings"
MIB = 1024 * 1024
# The switches of §19 a manager may flip, with the words the form shows.
SWITCHES = {
    "launch_on_boot": "Start the player when the device boots",
    "auto_relaunch": "Relaunch the player if it stops",
    "keep_awake": "Keep the screen awake",
    "watchdog_return_to_foreground": "Bring the player back to the foreground (watchdog)",
}


@router.get(SETTINGS)
def settings_page(venue_id: uuid.UUID, device_id: uuid.UUID, view: PageViewDep) -> Response:
    """Managers only, as the PATCH is: a lower role gets the 403 page, not a dead form."""
    venue = view.venue(venue_id, VenueAction.MANAGE)
    found = registry.get_device(view.session, venue, device_id, view.now)
    return view.render(
        "device_settings.html",
        venue=venue,
        device=device_out(found),
        etag=found.etag,
        run_modes=list(RunMode),
        orientations=list(Orientation),
        switches=SWITCHES,
        budget_mib=found.device.cache_budget_bytes // MIB,
        saved="saved" in view.request.query_params,
    )


def _enum_field(kind: type[RunMode] | type[Orientation], form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if value not in {member.value for member in kind}:
        raise ValidationFailedError(f"Choose a {name.replace('_', ' ')}.")
    return value


def _budget_bytes(form: dict[str, str]) -> int:
    try:
        return int(form.get("cache_budget_mib", "").strip()) * MIB
    except ValueError:
        raise ValidationFailedError("The cache budget is a whole number of MiB.") from None


def changes_from(form: dict[str, str]) -> registry.DeviceChanges:
    """The form as a PATCH naming every field it shows; the domain validates the values
    (blank name, IANA timezone, at least 64 MiB of cache) exactly as for /v1."""
    name = form.get("name", "").strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationFailedError(f"A screen's name is at most {DISPLAY_NAME_MAX} characters.")
    return registry.DeviceChanges(
        sent=frozenset({"name", "timezone", "run_mode", "orientation", "cache_budget_bytes"})
        | frozenset(SWITCHES),
        name=name,
        timezone=form.get("timezone", "").strip() or None,  # empty: the venue's timezone
        run_mode=RunMode(_enum_field(RunMode, form, "run_mode")),
        orientation=Orientation(_enum_field(Orientation, form, "orientation")),
        cache_budget_bytes=_budget_bytes(form),
        launch_on_boot=ticked(form, "launch_on_boot"),
        auto_relaunch=ticked(form, "auto_relaunch"),
        keep_awake=ticked(form, "keep_awake"),
        watchdog_return_to_foreground=ticked(form, "watchdog_return_to_foreground"),
    )


@router.post(SETTINGS + "/save")
def save_settings(venue_id: uuid.UUID, device_id: uuid.UUID, post: FormPostDep) -> Response:
    venue = post.venue(venue_id, VenueAction.MANAGE)
    changes = changes_from(post.form)
    registry.update_device(
        post.session, venue, device_id, changes, if_match=post.etag, now=post.now, who=post.who
    )
    return post.redirect(f"/app/venues/{venue.id}/devices/{device_id}/settings?saved=1")
