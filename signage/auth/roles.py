"""Loading a user's roles and the venues they may access (§25.4)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.auth.principal import UserPrincipal
from signage.db.models import TenantUserRole, User, Venue, VenueUserRole
from signage.enums import Capability, TenantRole, VenueRole
from signage.pagination import Page, PageRequest, paginate
from signage.queries import live, tenant_venues


def tenant_roles_of(session: Session, user_id: uuid.UUID) -> frozenset[TenantRole]:
    """The user's tenant-wide roles (§5)."""
    rows = session.scalars(select(TenantUserRole.role).where(TenantUserRole.user_id == user_id))
    return frozenset(rows)


def venue_roles_of(session: Session, user_id: uuid.UUID) -> dict[uuid.UUID, VenueRole]:
    """Roles at venues that still exist (soft-deleted venues grant nothing)."""
    rows = session.execute(
        select(VenueUserRole.venue_id, VenueUserRole.role)
        .join(Venue, Venue.id == VenueUserRole.venue_id)
        .where(VenueUserRole.user_id == user_id, live(Venue))
    )
    return {venue_id: role for venue_id, role in rows}


def principal_for(session: Session, user: User) -> UserPrincipal:
    """The user's principal with roles and capabilities read from the database now."""
    return UserPrincipal(
        user_id=user.id,
        tenant_id=user.tenant_id,
        tenant_roles=tenant_roles_of(session, user.id),
        venue_roles=venue_roles_of(session, user.id),
        capabilities=frozenset(Capability(c) for c in user.capabilities),
    )


def accessible_venues(
    session: Session, principal: UserPrincipal, page: PageRequest
) -> Page[tuple[Venue, str]]:
    """Venues the principal may open, with the role that grants it, ordered by name."""
    statement = tenant_venues(principal.tenant_id)
    tenant_wide = principal.is_tenant_admin or principal.is_tenant_viewer
    if not tenant_wide:
        statement = statement.where(Venue.id.in_(list(principal.venue_roles)))
    found = paginate(session, statement, [Venue.name, Venue.id], page, parse=[str, uuid.UUID])
    return Page([(v, _access_role(principal, v.id)) for v in found.items], found.next_cursor)


def _access_role(principal: UserPrincipal, venue_id: uuid.UUID) -> str:
    if principal.is_tenant_admin:
        return TenantRole.TENANT_ADMIN.value
    if venue_id in principal.venue_roles:
        return principal.venue_roles[venue_id].value
    return TenantRole.TENANT_VIEWER.value
