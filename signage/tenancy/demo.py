"""The demo tenant of the README: two tenants, three venues and one user per role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from signage.config import Settings
from signage.enums import TenantRole, VenueRole
from signage.tenancy.provisioning import (
    UserSpec,
    VenueSpec,
    ensure_tenant,
    ensure_user,
    ensure_venue,
)

HOSPITALITY = "Hospitality Group"
OTHER = "Other Group"
FORTESCUE = "Fortescue Arms"
GRUMPY_BADGER = "Grumpy Badger Café"
OTHER_VENUE = "Other Tavern"
# Seeds the demo's telemetry (signage/tenancy/demo_telemetry.py): same seed and time, same rows.
TELEMETRY_SEED = 18

DEMO_VENUES = {
    HOSPITALITY: (VenueSpec(FORTESCUE, "Europe/London"), VenueSpec(GRUMPY_BADGER, "Europe/London")),
    OTHER: (VenueSpec(OTHER_VENUE, "Europe/London"),),
}

DEMO_USERS = {
    HOSPITALITY: (
        UserSpec("admin@demo.example", "Alex Admin", tenant_roles=(TenantRole.TENANT_ADMIN,)),
        UserSpec(
            "manager@demo.example",
            "Morgan Manager",
            venue_roles=((FORTESCUE, VenueRole.VENUE_MANAGER),),
        ),
        UserSpec(
            "editor@demo.example", "Sam Editor", venue_roles=((FORTESCUE, VenueRole.VENUE_EDITOR),)
        ),
        UserSpec(
            "viewer@demo.example", "Vic Viewer", venue_roles=((FORTESCUE, VenueRole.VENUE_VIEWER),)
        ),
        UserSpec(
            "tviewer@demo.example", "Terry Tenantviewer", tenant_roles=(TenantRole.TENANT_VIEWER,)
        ),
    ),
    OTHER: (
        UserSpec("admin@other.example", "Olive Other", tenant_roles=(TenantRole.TENANT_ADMIN,)),
    ),
}


@dataclass(frozen=True)
class DemoCredentials:
    emails: tuple[str, ...]
    password: str


def demo_password(settings: Settings) -> str:
    """SIGNAGE_DEMO_PASSWORD, or one generated on first seed and kept under the data dir."""
    if settings.demo_password is not None:
        return settings.demo_password.get_secret_value()
    path: Path = settings.resolved_data_dir / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def seed_demo(session: Session, password: str) -> DemoCredentials:
    """Create whatever of the demo is missing; running it again changes nothing."""
    emails: list[str] = []
    for tenant_name, venues in DEMO_VENUES.items():
        tenant = ensure_tenant(session, tenant_name, "Europe/London")
        for venue in venues:
            ensure_venue(session, tenant, venue)
        for user in DEMO_USERS[tenant_name]:
            ensure_user(session, tenant, user, password)
            emails.append(user.email)
    return DemoCredentials(tuple(emails), password)
