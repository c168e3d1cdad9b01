"""A real PostgreSQL for tests: the embedded server (or SIGNAGE_TEST_DATABASE_URL), a template
database migrated once with Alembic, and a fresh copy of it for each test that wants one."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from signage.db import migrate
from signage.db.embedded import embedded_server_url
from signage.db.engine import normalise_url

TEST_PGDATA = Path(os.environ.get("SIGNAGE_TEST_PGDATA", f"/tmp/signage-test-pg-{os.getuid()}"))


def admin_url() -> str:
    """A SQLAlchemy URL to a maintenance database on the test server."""
    configured = os.environ.get("SIGNAGE_TEST_DATABASE_URL")
    if configured:
        return normalise_url(configured)
    return embedded_server_url(TEST_PGDATA / "data", "postgres")


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _schema_fingerprint() -> str:
    """Changes whenever a migration file changes, so a stale template is never reused."""
    digest = hashlib.sha256()
    for path in sorted(migrate.MIGRATIONS_DIR.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def ensure_template(url: str) -> str:
    """Create (once, across xdist workers) a template database migrated to head."""
    template = f"signage_tpl_{_schema_fingerprint()}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(727272)")
        try:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (template,)
            ).fetchone()
            if not exists:
                building = f"{template}_build"
                conn.execute(f'DROP DATABASE IF EXISTS "{building}"')
                conn.execute(f'CREATE DATABASE "{building}"')
                migrate.upgrade(with_database(url, building))
                conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(727272)")
    return template


def create_database_from(url: str, template: str) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    return name


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database(url: str, template: str) -> Iterator[str]:
    name = create_database_from(url, template)
    try:
        yield with_database(url, name)
    finally:
        drop_database(url, name)
