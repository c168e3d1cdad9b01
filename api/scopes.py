"""The content scopes (§6) a caller may read, change or publish to, as FastAPI dependencies,
and the publish limit that goes with publishing (§27.1). Asset, playlist and schedule routes
take their scope from here, so no route module imports another."""

from __future__ import annotations

from fastapi import Request

from api.auth import CurrentUser, VenueEditor, VenueManager, VenueReader
from api.deps import ContextDep
from api.problems import raises
from api.ratelimit import enforce_publish_limit
from signage.auth.policy import authorize_shared_library_edit, authorize_shared_library_read
from signage.content.scope import LibraryScope
from signage.errors import PermissionDeniedError, RateLimitedError


@raises(PermissionDeniedError)
def library_reader(user: CurrentUser) -> LibraryScope:
    """The tenant's shared library, for callers who may read it."""
    authorize_shared_library_read(user)
    return LibraryScope(user.tenant_id)


@raises(PermissionDeniedError)
def library_editor(user: CurrentUser) -> LibraryScope:
    """The tenant's shared library, for callers who may change it."""
    authorize_shared_library_edit(user)
    return LibraryScope(user.tenant_id)


def venue_reader(venue: VenueReader) -> LibraryScope:
    """The venue's library, for callers who may read the venue."""
    return LibraryScope(venue.tenant_id, venue.id)


def venue_editor(venue: VenueEditor) -> LibraryScope:
    """The venue's library, for callers who may edit the venue's content."""
    return LibraryScope(venue.tenant_id, venue.id)


def venue_publisher(venue: VenueManager) -> LibraryScope:
    """Publishing a venue's playlist puts it on screens: the Venue Manager's call (§5)."""
    return LibraryScope(venue.tenant_id, venue.id)


@raises(RateLimitedError)
def publish_rate_limit(request: Request, context: ContextDep, user: CurrentUser) -> None:
    """§27.1 "Publish operations: 10 / minute per tenant", on top of the mutation limit."""
    enforce_publish_limit(request, context, user.tenant_id)
