"""Tenant administration (§27.4, §5 Tenant Admin): venues, people and their roles, on the domain
functions and the wire-model rules of /v1/tenants/{id}/... (api/routes/tenants.py).

Tenant admins change; tenant viewers read the venues (§5 "read-only tenant view"): their pages
carry no forms and every POST is refused 403 by the same `authorize_tenant_admin`. The people
pages (e-mails, roles, last sign-in) are for tenant admins only, as /v1's users list (§27.4).
Another tenant's ids are "not found", as every lookup starts from the caller's tenant (§25.6).

A form post keeps only the first value of a repeated name (`session.form_fields`), so each
checkbox and each venue's role select has a name of its own (`tenant_role_TENANT_ADMIN`,
`venue_role_<venue id>`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar
from zoneinfo import available_timezones

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.schemas.tenancy import UserCreate, UserPatch, VenueIn, VenueRolesPut
from api.webapp.access import venue_scope
from api.webapp.calls import (
    FormPost,
    WebTenantAdmin,
    WebTenantAdminPost,
    WebTenantReader,
)
from api.webapp.forms import ticked
from api.webapp.mail import can_send_mail, send_link
from api.webapp.rendering import PageRoute, render
from signage.auth import password_links
from signage.auth.passwords import MIN_PASSWORD_LENGTH
from signage.auth.principal import UserPrincipal
from signage.db.models import Playlist, Tenant, Venue
from signage.enums import Capability, PasswordLinkPurpose, TenantRole, UserStatus, VenueRole
from signage.errors import ValidationFailedError
from signage.pagination import MAX_LIMIT, Page, PageRequest
from signage.playlists import drafts
from signage.tenancy import admin
from signage.tenancy.timezones import is_valid_timezone

router = APIRouter(route_class=PageRoute, include_in_schema=False)
log = logging.getLogger("api.webapp")

ADMIN = "/app/admin"
VENUES = ADMIN + "/venues"
USERS = ADMIN + "/users"

TENANT_ROLE_FIELD = "tenant_role_"
CAPABILITY_FIELD = "capability_"
VENUE_ROLE_FIELD = "venue_role_"
VENUE_TEXT_FIELDS = (
    "name",
    "timezone",
    "address_line1",
    "address_line2",
    "city",
    "postcode",
    "country_code",
    "fallback_playlist_id",
)

TENANT_ROLE_LABELS = {
    TenantRole.TENANT_ADMIN: "Tenant admin",
    TenantRole.TENANT_VIEWER: "Tenant viewer",
}
VENUE_ROLE_LABELS = {
    VenueRole.VENUE_VIEWER: "Viewer",
    VenueRole.VENUE_EDITOR: "Editor",
    VenueRole.VENUE_MANAGER: "Manager",
}
CAPABILITY_LABELS = {Capability.EDIT_SHARED_LIBRARY: "May change the shared library"}
STATUS_LABELS = {UserStatus.ACTIVE: "Active", UserStatus.DISABLED: "Disabled"}
# The query flags a redirect after a change sets, and what the page then says.
NOTICES = {
    "saved": "Saved.",
    "venue_added": "Venue added.",
    "person_added": "Person added.",
    "archived": "Venue archived.",
    "disabled": "Disabled: they are signed out and cannot sign in.",
    "enabled": "Enabled: they can sign in again.",
    "invited": "Invitation sent: they choose their own password from the link in it.",
    "link_sent": "Link sent: it lets them choose a new password.",
    "not_sent": "The e-mail could not be sent (the reason is in the server's log). Try again "
    "in a while with the send button on this page.",
}
# What a field must be, in the form's words: pydantic's own messages quote regular expressions.
FIELD_RULES = {
    "name": "Name: 1 to 200 characters, on one line.",
    "display_name": "Name: 1 to 200 characters.",
    "email": "E-mail: an address like name@example.com.",
    "password": "Password: type one.",
    "timezone": "Timezone: choose one from the list, such as Europe/London.",
    "address_line1": "Address: at most 200 characters a line.",
    "address_line2": "Address: at most 200 characters a line.",
    "city": "Town or city: at most 100 characters.",
    "postcode": "Postcode: at most 20 characters.",
    "country_code": "Country: two letters, such as GB.",
    "fallback_playlist_id": "Fallback playlist: choose one from the list.",
    "status": "Status: active or disabled.",
    "venue_roles": "Venue role: choose a venue and a role from the lists.",
}

Model = TypeVar("Model", bound=BaseModel)


def _admin_page(request: Request, user: UserPrincipal, template: str, **values: Any) -> Response:
    """Forms only for tenant admins; the labels every admin template shows roles with."""
    notice = next((text for flag, text in NOTICES.items() if flag in request.query_params), None)
    return render(
        request,
        template,
        may_change=user.is_tenant_admin,
        notice=notice,
        tenant_role_labels=TENANT_ROLE_LABELS,
        venue_role_labels=VENUE_ROLE_LABELS,
        capability_labels=CAPABILITY_LABELS,
        status_labels=STATUS_LABELS,
        **values,
    )


def _checked(model: type[Model], values: dict[str, Any], what: str) -> Model:
    """The form held to the /v1 wire model's rules, so both take the same input; a breach is
    the 422 page naming the fields (never echoing what was typed: it may be a password)."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields = dict.fromkeys(str(error["loc"][0]) for error in exc.errors())
        errors = [
            {"location": f"body.{field}", "message": FIELD_RULES.get(field, f"{field}: invalid")}
            for field in fields
        ]
        raise ValidationFailedError(f"The {what} is not valid.", errors=errors) from None


def _ticked(form: dict[str, str], prefix: str, members: Iterable[StrEnum]) -> list[str]:
    """Checkboxes named `prefix` + value: browsers send "on" when ticked, nothing when not."""
    return [member.value for member in members if ticked(form, prefix + member.value)]


def _tenant_venues(session: Session, user: UserPrincipal) -> Page[Venue]:
    return admin.list_venues(session, user.tenant_id, PageRequest(limit=MAX_LIMIT))


def _tenant_timezone(session: Session, user: UserPrincipal) -> str:
    tenant = session.get(Tenant, user.tenant_id)
    return tenant.default_timezone if tenant is not None else "UTC"


@cache
def timezone_names() -> tuple[str, ...]:
    """The timezones the domain accepts (§30.10), offered as the timezone field's suggestions."""
    return tuple(sorted(filter(is_valid_timezone, available_timezones())))


@router.get(ADMIN)
def overview_page(request: Request, user: WebTenantReader) -> Response:
    return _admin_page(request, user, "admin.html", tab="overview")


# -- venues ------------------------------------------------------------------------------------


def _venue_fields(form: dict[str, str]) -> admin.VenueFields:
    """A blank optional field is "none"; the domain then checks the name and the timezone."""
    values = {field: form.get(field, "").strip() or None for field in VENUE_TEXT_FIELDS}
    body = _checked(VenueIn, values, "venue")
    return admin.VenueFields(**body.model_dump())


def _fallback_choices(session: Session, venue: Venue) -> list[Playlist]:
    """Playlists the venue may fall back to (§6: shared or its own). The current one is always
    offered, so saving the form never drops it unasked."""
    scope = venue_scope(venue)
    choices = drafts.list_playlists(session, scope, PageRequest(limit=MAX_LIMIT)).items
    current = venue.fallback_playlist_id
    if current is not None and all(playlist.id != current for playlist in choices):
        found = drafts.visible_playlist(session, scope, current)
        choices += [found] if found is not None else []
    return choices


@router.get(VENUES)
def venues_page(request: Request, user: WebTenantReader, session: SessionDep) -> Response:
    found = _tenant_venues(session, user)
    return _admin_page(
        request,
        user,
        "admin_venues.html",
        tab="venues",
        venues=found.items,
        more=found.next_cursor is not None,
        default_timezone=_tenant_timezone(session, user),
        timezones=timezone_names(),
    )


@router.post(VENUES + "/add")
def add_venue(post: WebTenantAdminPost) -> Response:
    fields = _venue_fields(post.form)
    admin.create_venue(post.session, post.user.tenant_id, fields, now=post.now, who=post.who)
    return post.redirect(f"{VENUES}?venue_added=1")


@router.get(VENUES + "/{venue_id}")
def venue_page(
    venue_id: uuid.UUID, request: Request, user: WebTenantReader, session: SessionDep
) -> Response:
    venue = admin.get_venue(session, user.tenant_id, venue_id)
    return _admin_page(
        request,
        user,
        "admin_venue.html",
        tab="venues",
        venue=venue,
        playlists=_fallback_choices(session, venue),
        timezones=timezone_names(),
    )


@router.post(VENUES + "/{venue_id}/save")
def save_venue(venue_id: uuid.UUID, post: WebTenantAdminPost) -> Response:
    """Every field of the form replaces the venue's, as `PUT .../venues/{id}` does."""
    fields, tenant_id = _venue_fields(post.form), post.user.tenant_id
    admin.update_venue(post.session, tenant_id, venue_id, fields, now=post.now, who=post.who)
    return post.redirect(f"{VENUES}/{venue_id}?saved=1")


@router.post(VENUES + "/{venue_id}/archive")
def archive_venue(venue_id: uuid.UUID, post: WebTenantAdminPost) -> Response:
    """Out of every list (issue 19 item 5); refused, naming them, while screens are paired."""
    tenant_id = post.user.tenant_id
    admin.archive_venue(post.session, tenant_id, venue_id, now=post.now, who=post.who)
    return post.redirect(f"{VENUES}?archived=1")


# -- people ------------------------------------------------------------------------------------


def _new_user(form: dict[str, str], password: str) -> admin.NewUser:
    """The "Add a person" form; its venue and role selects give at most one first venue role.
    The domain checks the password's length and that the e-mail is free in this tenant."""
    venue_id = form.get("venue_id", "")
    first_role = [{"venue_id": venue_id, "role": form.get("venue_role", "")}] if venue_id else []
    body = _checked(
        UserCreate,
        {
            "email": form.get("email", "").strip(),
            "display_name": form.get("display_name", "").strip(),
            "password": password,
            "tenant_roles": _ticked(form, TENANT_ROLE_FIELD, TenantRole),
            "venue_roles": first_role,
        },
        "new person",
    )
    return admin.NewUser(
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        tenant_roles=frozenset(body.tenant_roles),
        venue_roles={entry.venue_id: entry.role for entry in body.venue_roles},
    )


def _user_changes(form: dict[str, str]) -> admin.UserChanges:
    """Status and tenant roles come together, and one's own page shows neither: the domain
    refuses those changes to oneself (a forged post gets the 422 page saying so)."""
    values: dict[str, Any] = {
        "display_name": form.get("display_name", "").strip(),
        "capabilities": _ticked(form, CAPABILITY_FIELD, Capability),
    }
    if "status" in form:
        values["status"] = form["status"]
        values["tenant_roles"] = _ticked(form, TENANT_ROLE_FIELD, TenantRole)
    patch = _checked(UserPatch, values, "person")
    return admin.UserChanges(
        display_name=patch.display_name,
        status=patch.status,
        tenant_roles=None if patch.tenant_roles is None else frozenset(patch.tenant_roles),
        capabilities=None if patch.capabilities is None else frozenset(patch.capabilities),
    )


def _shown_venue_roles(form: dict[str, str]) -> dict[uuid.UUID, str]:
    """Each venue's select on the form: its id and the chosen role, "" for none."""
    try:
        return {
            uuid.UUID(name.removeprefix(VENUE_ROLE_FIELD)): role
            for name, role in form.items()
            if name.startswith(VENUE_ROLE_FIELD)
        }
    except ValueError:
        raise ValidationFailedError("Choose a role at the venues listed.") from None


def _venue_roles(
    form: dict[str, str], current: dict[uuid.UUID, VenueRole]
) -> dict[uuid.UUID, VenueRole]:
    """The roles chosen on the form; venues it does not list (past the first 200) keep theirs,
    as `set_venue_roles` replaces them all."""
    shown = _shown_venue_roles(form)
    chosen = [{"venue_id": venue, "role": role} for venue, role in shown.items() if role]
    body = _checked(VenueRolesPut, {"venue_roles": chosen}, "venue roles")
    kept = {venue: role for venue, role in current.items() if venue not in shown}
    return kept | {entry.venue_id: entry.role for entry in body.venue_roles}


@router.get(USERS)
def users_page(request: Request, user: WebTenantAdmin, session: SessionDep) -> Response:
    people = admin.list_users(session, user.tenant_id, PageRequest(limit=MAX_LIMIT))
    venues = _tenant_venues(session, user)
    return _admin_page(
        request,
        user,
        "admin_users.html",
        tab="users",
        people=people.items,
        more=people.next_cursor is not None,
        venues=venues.items,
        venue_names={venue.id: venue.name for venue in venues.items},
        min_password_length=MIN_PASSWORD_LENGTH,
        invites=can_send_mail(request.app.state.context),
    )


@router.post(USERS + "/add")
def add_user(post: WebTenantAdminPost) -> Response:
    """With a mail server, an invitation: the person sets their own password from a one-time
    link (issue 19 item 9). Without one, the typed initial password, as before."""
    if not can_send_mail(post.context):
        new = _new_user(post.form, post.form.get("password", ""))
        admin.create_user(post.session, post.user.tenant_id, new, now=post.now, who=post.who)
        return post.redirect(f"{USERS}?person_added=1")
    # A placeholder for the wire model: invite_user draws the real password, which nobody knows.
    new = _new_user(post.form, password="-")  # noqa: S106
    link = password_links.invite_user(
        post.session, post.user.tenant_id, new, now=post.now, who=post.who
    )
    return _sent(post, link, f"{USERS}/{link.user_id}", "invited")


def _sent(post: FormPost, link: password_links.IssuedLink, page: str, flag: str) -> Response:
    """The link's e-mail, sent once the link is committed; the page says whether it went."""
    post.session.commit()
    outcome = send_link(post.context, link)
    if not outcome.ok:
        log.warning("password link e-mail to user %s not sent: %s", link.user_id, outcome.error)
    return post.redirect(f"{page}?{flag if outcome.ok else 'not_sent'}=1")


@router.post(USERS + "/{user_id}/send-link")
def send_password_link(user_id: uuid.UUID, post: WebTenantAdminPost) -> Response:
    """A fresh link for someone of this tenant: an invitation again if they never signed in,
    else a reset; their older links stop working."""
    person = admin.get_user(post.session, post.user.tenant_id, user_id)
    if not can_send_mail(post.context):
        raise ValidationFailedError("This platform cannot send e-mail (no SMTP server is set).")
    purpose = (
        PasswordLinkPurpose.INVITATION
        if person.last_login_at is None
        else PasswordLinkPurpose.PASSWORD_RESET
    )
    link = password_links.issue_link(post.session, person, purpose, now=post.now, who=post.who)
    return _sent(post, link, f"{USERS}/{user_id}", "link_sent")


@router.get(USERS + "/{user_id}")
def user_page(
    user_id: uuid.UUID, request: Request, user: WebTenantAdmin, session: SessionDep
) -> Response:
    person = admin.view_user(session, admin.get_user(session, user.tenant_id, user_id))
    venues = _tenant_venues(session, user)
    return _admin_page(
        request,
        user,
        "admin_user.html",
        tab="users",
        person=person,
        is_self=person.user.id == user.user_id,
        venues=venues.items,
        venue_names={venue.id: venue.name for venue in venues.items},
        timezone=_tenant_timezone(session, user),
        sends_links=can_send_mail(request.app.state.context),
    )


@router.post(USERS + "/{user_id}/save")
def save_user(user_id: uuid.UUID, post: WebTenantAdminPost) -> Response:
    changes = _user_changes(post.form)
    admin.update_user(post.session, post.user, user_id, changes, now=post.now, who=post.who)
    return post.redirect(f"{USERS}/{user_id}?saved=1")


@router.post(USERS + "/{user_id}/status")
def change_status(user_id: uuid.UUID, post: WebTenantAdminPost) -> Response:
    """One button to disable (or enable again) a person (issue 19 item 5): `update_user` with
    the status alone, which signs a disabled person out everywhere; never oneself."""
    status = _checked(UserPatch, {"status": post.form.get("status", "")}, "status").status
    changes = admin.UserChanges(status=status)
    admin.update_user(post.session, post.user, user_id, changes, now=post.now, who=post.who)
    flag = "disabled" if status is UserStatus.DISABLED else "enabled"
    return post.redirect(f"{USERS}/{user_id}?{flag}=1")


@router.post(USERS + "/{user_id}/venue-roles")
def save_venue_roles(user_id: uuid.UUID, post: WebTenantAdminPost) -> Response:
    person = admin.get_user(post.session, post.user.tenant_id, user_id)
    roles = _venue_roles(post.form, admin.view_user(post.session, person).venue_roles)
    admin.set_venue_roles(post.session, post.user, user_id, roles, now=post.now, who=post.who)
    return post.redirect(f"{USERS}/{user_id}?saved=1")
