from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from signage.config import Settings
from signage.db.engine import Database


def test_healthz_answers_while_the_process_is_up(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_200_when_database_is_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok"}


def test_readyz_is_503_when_migrations_are_behind(client: TestClient, database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "behind head" in response.json()["checks"]["migrations"]


def test_readyz_is_503_when_database_is_unreachable_and_names_no_address(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone may ask /readyz: it says the database is unavailable, never where it is
    (issue 13 item 10: it showed the socket path); the log keeps the reason."""
    database = Database.connect("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(settings, database=database)
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert "127.0.0.1" not in response.text
    assert any("cannot reach database" in r.getMessage() for r in caplog.records)


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "Signage Platform API"
    assert client.get("/docs").status_code == 200
