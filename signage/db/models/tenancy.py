"""Tenants, venues, users and their roles (§26.3), plus refresh tokens and the audit log (§25)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from signage.db.base import Base, Timestamps, UuidPk, enum_column, utcnow
from signage.enums import (
    ActorType,
    PasswordLinkPurpose,
    RefreshTokenStatus,
    TenantRole,
    TenantStatus,
    UserStatus,
    VenueRole,
)


class Tenant(UuidPk, Timestamps, Base):
    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[TenantStatus] = enum_column(TenantStatus, default=TenantStatus.ACTIVE)
    default_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # §27.1 "Limits are tuneable per tenant": {"category": {"limit": n, "windowSeconds": s}}.
    rate_limit_overrides: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Venue(UuidPk, Timestamps, Base):
    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),  # target of composite FKs that pin rows to a tenant
        Index("ix_venues_tenant_name", "tenant_id", "name"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    country_code: Mapped[str | None] = mapped_column(String(2))
    fallback_playlist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("playlists.id", ondelete="SET NULL", use_alter=True)
    )
    deleted_at: Mapped[datetime | None]


class User(UuidPk, Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (
        # An address names one account per tenant; the same address may hold accounts in
        # several tenants, so no tenant learns another's users (issue 13). Login finds them
        # all by address (ix_users_email_lower) and opens the one the password matches.
        Index("uq_users_tenant_email_lower", "tenant_id", text("lower(email)"), unique=True),
        Index("ix_users_email_lower", text("lower(email)")),
        UniqueConstraint("tenant_id", "id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    status: Mapped[UserStatus] = enum_column(UserStatus, default=UserStatus.ACTIVE)
    capabilities: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    last_login_at: Mapped[datetime | None]
    # Moved whenever the user's access tokens must stop working (disabled, roles changed,
    # signed out, refresh token reused): access tokens carry the epoch they were issued under.
    session_epoch: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))


class TenantUserRole(UuidPk, Timestamps, Base):
    __tablename__ = "tenant_user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[TenantRole] = enum_column(TenantRole)


class VenueUserRole(UuidPk, Timestamps, Base):
    __tablename__ = "venue_user_roles"
    __table_args__ = (
        UniqueConstraint("venue_id", "user_id"),  # one role per user per venue
        Index("ix_venue_user_roles_user", "user_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[VenueRole] = enum_column(VenueRole)


class RefreshToken(UuidPk, Base):
    """Opaque refresh tokens, stored hashed and rotated on every use; a family shares a login."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[RefreshTokenStatus] = enum_column(
        RefreshTokenStatus, default=RefreshTokenStatus.ACTIVE
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_ip: Mapped[str | None] = mapped_column(INET)


class PasswordLink(UuidPk, Base):
    """A one-time link to set one's own password: an invitation or a reset (issue 19 item 9).
    Only the token's SHA-256 is kept, as for refresh tokens; a used or expired one opens
    nothing."""

    __tablename__ = "password_links"
    __table_args__ = (Index("ix_password_links_user", "user_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[PasswordLinkPurpose] = enum_column(PasswordLinkPurpose)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only, tenant-scoped audit trail (§25.9)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_time", "tenant_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Null only for events that belong to no tenant (a login attempt for an unknown e-mail).
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE")
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[ActorType] = enum_column(ActorType)
    actor_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(INET)
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
