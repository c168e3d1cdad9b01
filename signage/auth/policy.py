"""Authorization in one place (§25.4, §25.5). Routes state what they need; this decides.

Decisions, where the spec leaves room:
- A resource of another tenant is 404 (§25.6), and so is a venue of one's own tenant that the
  user holds no role at: users cannot probe for venues they cannot see.
- A user who can see the venue but whose role is too low gets 403 (§25.10 "permission denied").
- TENANT_VIEWER reads everything in its tenant and changes nothing (403 on every mutation).
- TENANT_ADMIN bypasses venue checks; EDIT_SHARED_LIBRARY lets a non-admin change tenant-scoped
  (shared) content.
"""

from __future__ import annotations

import uuid
from enum import Enum

from signage.auth.principal import UserPrincipal
from signage.enums import Capability, VenueRole
from signage.errors import NotFoundError, PermissionDeniedError, RoleRequiredError


class VenueAction(Enum):
    """What a venue-scoped route does, mapped to the least venue role that may do it (§5)."""

    READ = VenueRole.VENUE_VIEWER
    EDIT_CONTENT = VenueRole.VENUE_EDITOR  # upload, playlists, schedules (§5 Venue Editor)
    MANAGE = VenueRole.VENUE_MANAGER  # devices, commands, publish (§5 Venue Manager)


def venue_hidden(venue_id: uuid.UUID) -> NotFoundError:
    """The 404 for a venue the caller may not see, worded as for one that does not exist (§25.6)."""
    return NotFoundError(f"Venue {venue_id} was not found.")


def can_see_venue(principal: UserPrincipal, venue_id: uuid.UUID) -> bool:
    """Tenant-wide roles see every venue of their tenant; others see where they hold a role.
    The caller has already established that the venue belongs to the principal's tenant."""
    return (
        principal.is_tenant_admin or principal.is_tenant_viewer or venue_id in principal.venue_roles
    )


def authorize_venue(principal: UserPrincipal, venue_id: uuid.UUID, action: VenueAction) -> None:
    """Raise unless the principal may do `action` at the venue (which is in its tenant)."""
    if not can_see_venue(principal, venue_id):
        raise venue_hidden(venue_id)
    if principal.is_tenant_admin:
        return
    role = principal.venue_roles.get(venue_id)
    if action is VenueAction.READ:
        return
    if role is None or role.rank < action.value.rank:
        needed = action.value.value
        raise RoleRequiredError(f"This needs the {needed} role at this venue.", needed=needed)


def permits(principal: UserPrincipal, venue_id: uuid.UUID, action: VenueAction) -> bool:
    """`authorize_venue` as a yes/no, for decisions that are not a request's own gate."""
    try:
        authorize_venue(principal, venue_id, action)
    except (PermissionDeniedError, NotFoundError):
        return False
    return True


def authorize_tenant_admin(principal: UserPrincipal, *, read_only: bool = False) -> None:
    """Tenant administration (§27.4): admins; tenant viewers may also read."""
    if principal.is_tenant_admin or (read_only and principal.is_tenant_viewer):
        return
    raise RoleRequiredError("This needs the TENANT_ADMIN role.", needed="TENANT_ADMIN")


def authorize_shared_library_edit(principal: UserPrincipal) -> None:
    """Changing tenant-scoped (shared) content (§25.4 capability flags)."""
    if principal.is_tenant_admin or Capability.EDIT_SHARED_LIBRARY in principal.capabilities:
        return
    raise RoleRequiredError(
        "Changing the shared library needs EDIT_SHARED_LIBRARY.", needed="EDIT_SHARED_LIBRARY"
    )


def authorize_shared_library_read(principal: UserPrincipal) -> None:
    """Anyone in the tenant with any role may read the shared library (§6 Content Scope)."""
    if principal.tenant_roles or principal.venue_roles or principal.capabilities:
        return
    raise PermissionDeniedError("You hold no role in this tenant.")
