"""Wire models of §27.4 (tenant administration)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, IPvAnyAddress

from api.schemas.base import ApiModel, DisplayName
from signage.enums import ActorType, Capability, TenantRole, UserStatus, VenueRole


class VenueIn(ApiModel):
    name: DisplayName
    timezone: str = Field(min_length=1, max_length=64, examples=["Europe/London"])
    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=20)
    country_code: str | None = Field(default=None, min_length=2, max_length=2)
    fallback_playlist_id: uuid.UUID | None = None


class VenueOut(ApiModel):
    venue_id: uuid.UUID = Field(validation_alias="id")
    tenant_id: uuid.UUID
    name: str
    timezone: str
    address_line1: str | None
    address_line2: str | None
    city: str | None
    postcode: str | None
    country_code: str | None
    fallback_playlist_id: uuid.UUID | None
    created_at_utc: datetime = Field(validation_alias="created_at")
    updated_at_utc: datetime = Field(validation_alias="updated_at")


class VenueRoleIn(ApiModel):
    venue_id: uuid.UUID
    role: VenueRole


class UserCreate(ApiModel):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    tenant_roles: list[TenantRole] = Field(default_factory=list)
    capabilities: list[Capability] = Field(default_factory=list)
    venue_roles: list[VenueRoleIn] = Field(default_factory=list)


class UserPatch(ApiModel):
    """Extension of §27.4: change a user's name, status, tenant roles or capabilities."""

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    status: UserStatus | None = None
    tenant_roles: list[TenantRole] | None = None
    capabilities: list[Capability] | None = None


class VenueRolesPut(ApiModel):
    venue_roles: list[VenueRoleIn]


class UserOut(ApiModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    display_name: str
    status: UserStatus
    tenant_roles: list[TenantRole]
    venue_roles: list[VenueRoleIn]
    capabilities: list[Capability]
    last_login_at_utc: datetime | None
    created_at_utc: datetime


class AuditEntryOut(ApiModel):
    audit_id: int = Field(validation_alias="id")
    occurred_at_utc: datetime = Field(validation_alias="occurred_at")
    actor_type: ActorType
    actor_id: uuid.UUID | None
    action: str
    target_type: str | None
    target_id: str | None
    ip_address: IPvAnyAddress | None
    request_id: str | None
    details: dict[str, Any]
