"""Who is asking: the authenticated actor a request acts as (§25.1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from signage.enums import Capability, TenantRole, VenueRole


@dataclass(frozen=True)
class UserPrincipal:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_roles: frozenset[TenantRole]
    venue_roles: dict[uuid.UUID, VenueRole]
    capabilities: frozenset[Capability]

    @property
    def is_tenant_admin(self) -> bool:
        return TenantRole.TENANT_ADMIN in self.tenant_roles

    @property
    def is_tenant_viewer(self) -> bool:
        return TenantRole.TENANT_VIEWER in self.tenant_roles


@dataclass(frozen=True)
class DevicePrincipal:
    device_id: uuid.UUID
    venue_id: uuid.UUID
    tenant_id: uuid.UUID
