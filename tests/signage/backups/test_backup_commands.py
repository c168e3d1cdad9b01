"""`signage backups run|list` and `signage restore` (issue 16 item 4) on the settings of the
environment: a backup taken from one database restores into another, empty one; a restore
into a database that has tables ends with one line, not a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from signage.backups.pgtools import libpq_url
from signage.cli import app
from signage.db.engine import Database
from signage.db.models import Tenant
from tests.support.demo import Demo
from tests.support.postgres import drop_database, with_database


@pytest.fixture
def empty_database_url(pg_admin_url: str) -> Iterator[str]:
    name = "t_restore_target"
    drop_database(pg_admin_url, name)
    with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield with_database(pg_admin_url, name)
    drop_database(pg_admin_url, name)


def invoke(*args: str) -> str:
    done = CliRunner().invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done.output


def test_a_backup_taken_by_the_command_restores_into_an_empty_database(
    demo: Demo,
    database_url: str,
    empty_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNAGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SIGNAGE_JWT_SECRET", "test-secret-" + "x" * 40)
    monkeypatch.delenv("SIGNAGE_S3_BUCKET", raising=False)
    monkeypatch.setenv("SIGNAGE_DATABASE_URL", database_url)
    assert "no backups yet" in invoke("backups", "list")

    taken = invoke("backups", "run").split()[0]
    assert taken in invoke("backups", "list")

    refused = CliRunner().invoke(app, ["restore", taken])
    assert refused.exit_code == 1
    assert "error: the target database is not empty" in refused.output

    monkeypatch.setenv("SIGNAGE_DATABASE_URL", empty_database_url)
    assert f"restored {taken}" in invoke("restore", taken)
    restored = Database.connect(empty_database_url, pool_size=1)
    try:
        with restored.unit_of_work() as session:
            assert demo.tenant_id in set(session.scalars(select(Tenant.id)))
    finally:
        restored.dispose()
