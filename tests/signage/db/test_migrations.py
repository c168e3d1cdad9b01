"""Migrations round-trip on a real PostgreSQL, and the models never drift from them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import signage.db.models  # noqa: F401
from signage.db import migrate
from signage.db.base import Base
from tests.support import postgres


@pytest.fixture
def empty_database_url(pg_admin_url: str) -> Iterator[str]:
    yield from postgres.fresh_database(pg_admin_url, "template0")


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trips(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    assert set(Base.metadata.tables) <= table_names(empty_database_url)
    migrate.downgrade(empty_database_url, "base")
    assert table_names(empty_database_url) <= {"alembic_version"}
    migrate.upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    try:
        assert migrate.is_at_head(engine)
    finally:
        engine.dispose()


def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models changed without a migration: run alembic revision"


def test_every_table_is_tenant_scoped_directly_or_through_a_parent() -> None:
    """§26.1: every row belongs to a tenant via tenant_id or a FK to a tenant-scoped row."""
    parents = {"playlist_items": "playlists", "playlist_published_items": "playlist_published"}
    for name, table in Base.metadata.tables.items():
        if name in {"tenants", "device_pairings"}:
            continue  # the root, and unclaimed pairings that belong to no tenant yet (§26.5)
        if name in parents:
            referred = {fk.column.table.name for fk in table.foreign_keys} | {
                c.referred_table.name for c in table.foreign_key_constraints
            }
            assert parents[name] in referred, name
            continue
        assert "tenant_id" in table.columns, f"{name} has no tenant_id"
