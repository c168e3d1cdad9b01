"""Where content lives (§6 Content Scope): a tenant's shared library or one venue's own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.db.models import Asset, Playlist, UploadSession
from signage.enums import ContentScope
from signage.queries import live

# Assets and playlists carry the same scope columns (§6 Content Scope, §26.6-26.7).
Scoped = type[Asset] | type[Playlist]


@dataclass(frozen=True)
class LibraryScope:
    """`venue_id` None: the tenant-shared library; otherwise one venue's content."""

    tenant_id: uuid.UUID
    venue_id: uuid.UUID | None = None

    @property
    def scope_type(self) -> ContentScope:
        return ContentScope.TENANT if self.venue_id is None else ContentScope.VENUE

    def owns(self, model: Scoped = Asset) -> Any:
        """Rows of `model` this scope owns (and may change)."""
        return (model.tenant_id == self.tenant_id) & (
            model.scope_venue_id.is_(None)
            if self.venue_id is None
            else model.scope_venue_id == self.venue_id
        )

    def sees(self, model: Scoped = Asset) -> Any:
        """Rows of `model` this scope may read: a venue sees the shared library plus its own."""
        if self.venue_id is None:
            return self.owns(model)
        return (model.tenant_id == self.tenant_id) & or_(
            model.scope_type == ContentScope.TENANT, model.scope_venue_id == self.venue_id
        )


def scope_of(
    session: Session, model: Scoped | type[UploadSession], row_id: uuid.UUID, tenant_id: uuid.UUID
) -> LibraryScope | None:
    """The scope a row has inside `tenant_id`, or None when that tenant has no such row (so
    another tenant's id reveals nothing). Deleted assets and playlists are not found."""
    query = select(model.scope_venue_id).where(model.id == row_id, model.tenant_id == tenant_id)
    if model is Asset or model is Playlist:
        query = query.where(live(model))
    found = session.execute(query).first()
    return None if found is None else LibraryScope(tenant_id, found.scope_venue_id)
