"""Wire models of §27.3 (authentication and the current user)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.schemas.base import ApiModel
from signage.enums import Capability, TenantRole, VenueRole


class LoginRequest(ApiModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    # Only when the e-mail and password open accounts in several tenants (a 409 lists them).
    tenant_id: uuid.UUID | None = None


class RefreshRequest(ApiModel):
    refresh_token: str = Field(min_length=16, max_length=512)


class VenueRoleOut(ApiModel):
    venue_id: uuid.UUID
    role: VenueRole


class AccessibleVenue(ApiModel):
    venue_id: uuid.UUID
    name: str
    timezone: str
    access_role: str  # the venue role, or TENANT_ADMIN / TENANT_VIEWER when tenant-wide


class CurrentUserOut(ApiModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    display_name: str
    tenant_roles: list[TenantRole]
    venue_roles: list[VenueRoleOut]
    capabilities: list[Capability]


class TokenResponse(ApiModel):
    """§27.3 login/refresh: tokens, the user and the venues they may open."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name)
    expires_in_seconds: int
    access_token_expires_at_utc: datetime
    refresh_token: str
    refresh_token_expires_at_utc: datetime
    user: CurrentUserOut
    venues: list[AccessibleVenue]
