"""The domain's named query pieces (signage.queries): one copy of each rule. Pure, no database:
the statements are compiled for PostgreSQL and read."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects import postgresql

from signage.content.scope import LibraryScope
from signage.db.models import Playlist, Venue
from signage.queries import contains, escape_like, live, tenant_venue, visible_to


def sql(clause: object) -> str:
    compiled = clause.compile(dialect=postgresql.dialect())  # type: ignore[attr-defined]
    return str(compiled)


def test_like_wildcards_in_a_search_are_taken_literally() -> None:
    assert escape_like(r"50%_off\now") == r"50\%\_off\\now"
    assert "ILIKE" in sql(contains(Venue.name, "50%")).upper()


def test_live_rows_are_those_not_soft_deleted() -> None:
    assert sql(live(Playlist)) == "playlists.deleted_at IS NULL"


def test_a_tenants_venue_is_live_and_of_that_tenant() -> None:
    text = sql(tenant_venue(uuid.uuid4(), uuid.uuid4()))
    assert "venues.tenant_id =" in text
    assert "venues.id =" in text
    assert "venues.deleted_at IS NULL" in text


def test_what_a_venue_sees_is_live_shared_or_its_own() -> None:
    text = sql(visible_to(LibraryScope(uuid.uuid4(), uuid.uuid4()), Playlist))
    assert "playlists.scope_type" in text
    assert "playlists.scope_venue_id =" in text
    assert "playlists.deleted_at IS NULL" in text
