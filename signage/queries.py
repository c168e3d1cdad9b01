"""Named query pieces the domain repeats: live (not soft-deleted) rows, a tenant's venues,
what a content scope may see, and a LIKE search with its wildcards escaped. One copy of each,
so a rule changed here changes everywhere (issue 14 item 4; polar's repository base does the
same for soft deletes)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, select

from signage.db.models import Venue


class ReadScope(Protocol):
    """What `visible_to` needs of a scope (signage.content.scope.LibraryScope)."""

    def sees(self, model: Any) -> Any: ...


def live(model: Any) -> ColumnElement[bool]:
    """Rows of `model` not soft-deleted (deleted_at IS NULL)."""
    condition: ColumnElement[bool] = model.deleted_at.is_(None)
    return condition


def tenant_venues(tenant_id: uuid.UUID) -> Select[Venue]:
    """The tenant's live venues."""
    return select(Venue).where(Venue.tenant_id == tenant_id, live(Venue))


def tenant_venue(tenant_id: uuid.UUID, venue_id: uuid.UUID) -> Select[Venue]:
    """The venue `venue_id` if it is live and the tenant's; another tenant's id finds nothing."""
    return tenant_venues(tenant_id).where(Venue.id == venue_id)


def visible_to(scope: ReadScope, model: Any) -> ColumnElement[bool]:
    """Live rows of `model` (assets, playlists) that `scope` may read (§6 Content Scope)."""
    condition: ColumnElement[bool] = scope.sees(model) & live(model)
    return condition


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards and escape character taken literally (escape="\\")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive "`column` contains `text`", wildcards in `text` taken literally."""
    condition: ColumnElement[bool] = column.ilike(f"%{escape_like(text)}%", escape="\\")
    return condition
