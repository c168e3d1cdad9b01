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
from signage.auth.policy import VenueAction, authorize_venue, permits
from signage.auth.principal import UserPrincipal
from signage.content.scope import LibraryScope
from signage.db.models import Venue


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
    return permits(user, venue_id, action)


@dataclass(frozen=True)
class Abilities:
    """What the page may offer at one venue (§5): editors change content, managers also run
    devices and publish."""

    edit: bool
    manage: bool


def abilities(user: UserPrincipal, venue_id: uuid.UUID) -> Abilities:
    return Abilities(
        edit=may(user, venue_id, VenueAction.EDIT_CONTENT),
        manage=may(user, venue_id, VenueAction.MANAGE),
    )
