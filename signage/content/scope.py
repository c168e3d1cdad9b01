"""Where content lives (§6 Content Scope): a tenant's shared library or one venue's own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_

from signage.db.models import Asset
from signage.enums import ContentScope


@dataclass(frozen=True)
class LibraryScope:
    """`venue_id` None: the tenant-shared library; otherwise one venue's content."""

    tenant_id: uuid.UUID
    venue_id: uuid.UUID | None = None

    @property
    def scope_type(self) -> ContentScope:
        return ContentScope.TENANT if self.venue_id is None else ContentScope.VENUE

    def owns(self) -> Any:
        """Assets this scope owns (and may change)."""
        return (Asset.tenant_id == self.tenant_id) & (
            Asset.scope_venue_id.is_(None)
            if self.venue_id is None
            else Asset.scope_venue_id == self.venue_id
        )

    def sees(self) -> Any:
        """Assets this scope may read: a venue sees the shared library plus its own."""
        if self.venue_id is None:
            return self.owns()
        return (Asset.tenant_id == self.tenant_id) & or_(
            Asset.scope_type == ContentScope.TENANT, Asset.scope_venue_id == self.venue_id
        )
