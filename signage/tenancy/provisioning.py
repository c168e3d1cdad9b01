"""Creating tenants, venues and users from the CLI and the demo seed. Idempotent by natural key
(tenant and venue name, user e-mail) so running a seed twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.auth.sessions import password_hash_for
from signage.db.models import Tenant, TenantUserRole, User, Venue, VenueEpoch, VenueUserRole
from signage.enums import Capability, TenantRole, VenueRole
from signage.errors import ValidationFailedError
from signage.tenancy.timezones import is_valid_timezone


@dataclass(frozen=True)
class VenueSpec:
    name: str
    timezone: str


@dataclass(frozen=True)
class UserSpec:
    email: str
    display_name: str
    tenant_roles: tuple[TenantRole, ...] = ()
    venue_roles: tuple[tuple[str, VenueRole], ...] = ()  # (venue name, role)
    capabilities: tuple[Capability, ...] = ()


def ensure_tenant(session: Session, name: str, default_timezone: str = "UTC") -> Tenant:
    """The tenant of that name, created when missing (idempotent)."""
    _require_timezone(default_timezone)
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        tenant = Tenant(name=name, default_timezone=default_timezone)
        session.add(tenant)
        session.flush()
    return tenant


def ensure_venue(session: Session, tenant: Tenant, spec: VenueSpec) -> Venue:
    """The tenant's venue of that name, created when missing (idempotent)."""
    _require_timezone(spec.timezone)
    venue = session.scalar(
        select(Venue).where(Venue.tenant_id == tenant.id, Venue.name == spec.name)
    )
    if venue is None:
        venue = Venue(tenant_id=tenant.id, name=spec.name, timezone=spec.timezone)
        session.add(venue)
        session.flush()
        session.add(VenueEpoch(venue_id=venue.id, tenant_id=tenant.id))
    return venue


def ensure_user(session: Session, tenant: Tenant, spec: UserSpec, password: str) -> User:
    """Create the user with its roles; an existing user (by e-mail, in this tenant) is left as
    it is."""
    existing = session.scalar(
        select(User).where(
            User.tenant_id == tenant.id, func.lower(User.email) == spec.email.lower()
        )
    )
    if existing is not None:
        return existing
    user = User(
        tenant_id=tenant.id,
        email=spec.email.lower(),
        display_name=spec.display_name,
        password_hash=password_hash_for(session, spec.email.lower(), password),
        capabilities=[c.value for c in spec.capabilities],
    )
    session.add(user)
    session.flush()
    for role in spec.tenant_roles:
        session.add(TenantUserRole(tenant_id=tenant.id, user_id=user.id, role=role))
    for venue_name, venue_role in spec.venue_roles:
        venue = session.scalar(
            select(Venue).where(Venue.tenant_id == tenant.id, Venue.name == venue_name)
        )
        if venue is None:
            raise ValidationFailedError(f"no venue named {venue_name!r} in {tenant.name}")
        session.add(
            VenueUserRole(tenant_id=tenant.id, venue_id=venue.id, user_id=user.id, role=venue_role)
        )
    session.flush()
    return user


def _require_timezone(name: str) -> None:
    if not is_valid_timezone(name):
        raise ValidationFailedError(f"{name!r} is not an IANA timezone (e.g. Europe/London)")
