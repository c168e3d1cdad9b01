"""Which venue a page is about and what the user may do there: the /v1 rules, reused.

A venue outside the user's tenant, or one where they hold no role, is "not found" (§25.6); a
role too low for an action is "forbidden" (§25.10). Pages also ask `may(...)` to decide which
buttons to show, so a viewer never sees a button the server would refuse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from api.auth import venue_in_tenant
from signage.auth.policy import (
    VenueAction,
    authorize_shared_library_edit,
    authorize_venue,
    permits,
)
from signage.auth.principal import UserPrincipal
from signage.content.scope import LibraryScope, scope_of
from signage.db.models import Playlist, Venue
from signage.errors import PermissionDeniedError


def open_venue(
    session: Session, user: UserPrincipal, venue_id: uuid.UUID, action: VenueAction
) -> Venue:
    """The venue, if `user` may do `action` there; raises 404/403 as /v1 does."""
    venue = venue_in_tenant(venue_id, user, session)
    authorize_venue(user, venue.id, action)
    return venue


def venue_scope(venue: Venue) -> LibraryScope:
    """A venue sees the shared library and its own content; it changes only its own (§6)."""
    return LibraryScope(venue.tenant_id, venue.id)


def may(user: UserPrincipal, venue_id: uuid.UUID, action: VenueAction) -> bool:
    """Whether the user may do `action` at the venue (the /v1 rule)."""
    return permits(user, venue_id, action)


@dataclass(frozen=True)
class Abilities:
    """What the page may offer at one venue (§5): editors change content, managers also run
    devices and publish."""

    edit: bool
    manage: bool


def abilities(user: UserPrincipal, venue_id: uuid.UUID) -> Abilities:
    """What the page may offer the user at the venue: editing, managing."""
    return Abilities(
        edit=may(user, venue_id, VenueAction.EDIT_CONTENT),
        manage=may(user, venue_id, VenueAction.MANAGE),
    )


def may_edit_shared(user: UserPrincipal) -> bool:
    """Whether the user may change the shared (tenant) library: TENANT_ADMIN or the
    EDIT_SHARED_LIBRARY capability (§25.4), the /v1 rule."""
    try:
        authorize_shared_library_edit(user)
    except PermissionDeniedError:
        return False
    return True


def editing_scope(user: UserPrincipal, venue: Venue, shared: bool) -> LibraryScope:
    """Where a change made from a venue's pages lands: the venue's own library, or the shared
    one for those allowed (403 otherwise, as on /v1/library)."""
    if not shared:
        return venue_scope(venue)
    authorize_shared_library_edit(user)
    return LibraryScope(venue.tenant_id)


def playlist_scope(
    session: Session, user: UserPrincipal, venue: Venue, playlist_id: uuid.UUID
) -> LibraryScope:
    """The scope a change to a playlist seen from `venue` is made in: the venue's own, or the
    shared library's for a shared playlist when the user may change it (issue 19 item 5; 403
    otherwise, as /v1/library). Any other id gets the venue's scope, where it is "not found"."""
    found = scope_of(session, Playlist, playlist_id, venue.tenant_id)
    if found is None or found.venue_id not in (None, venue.id):
        return venue_scope(venue)
    return editing_scope(user, venue, shared=found.venue_id is None)
