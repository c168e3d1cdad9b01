from __future__ import annotations

from sqlalchemy import func, select

from signage.auth.passwords import verify_password
from signage.db.engine import Database
from signage.db.models import Tenant, TenantUserRole, User, Venue, VenueEpoch, VenueUserRole
from signage.enums import TenantRole, VenueRole
from signage.tenancy.demo import seed_demo

COUNTED = (Tenant, Venue, User, TenantUserRole, VenueUserRole, VenueEpoch)


def row_counts(database: Database) -> dict[str, int]:
    with database.sessions() as session:
        return {
            m.__name__: session.scalar(select(func.count()).select_from(m)) or 0 for m in COUNTED
        }


def test_demo_seed_creates_both_tenants_and_every_role(database: Database) -> None:
    with database.unit_of_work() as session:
        credentials = seed_demo(session, "demo-password-1")
    assert row_counts(database) == {
        "Tenant": 2,
        "Venue": 3,
        "User": 6,
        "TenantUserRole": 3,
        "VenueUserRole": 3,
        "VenueEpoch": 3,
    }
    assert "admin@other.example" in credentials.emails
    with database.sessions() as session:
        manager = session.scalar(select(User).where(User.email == "manager@demo.example"))
        assert manager is not None
        assert verify_password(manager.password_hash, "demo-password-1")
        role = session.scalar(select(VenueUserRole).where(VenueUserRole.user_id == manager.id))
        assert role is not None
        assert role.role is VenueRole.VENUE_MANAGER
        admins = session.scalars(
            select(User.email)
            .join(TenantUserRole, TenantUserRole.user_id == User.id)
            .where(TenantUserRole.role == TenantRole.TENANT_ADMIN)
        ).all()
        assert sorted(admins) == ["admin@demo.example", "admin@other.example"]


def test_demo_seed_twice_changes_nothing(database: Database) -> None:
    with database.unit_of_work() as session:
        seed_demo(session, "demo-password-1")
    before = row_counts(database)
    with database.unit_of_work() as session:
        seed_demo(session, "another-password")
    assert row_counts(database) == before
    with database.sessions() as session:
        admin = session.scalar(select(User).where(User.email == "admin@demo.example"))
        assert admin is not None
        assert verify_password(admin.password_hash, "demo-password-1")
