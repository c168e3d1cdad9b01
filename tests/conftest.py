"""Fixtures shared by every test package: real PostgreSQL, Redis, settings, the API app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from signage.config import Environment, Settings
from signage.db.engine import Database
from tests.support import postgres
from tests.support.clock import FakeClock
from tests.support.demo import Demo
from tests.support.demo import seed as seed_demo
from tests.support.redis_server import redis_url as start_redis
from tests.support.uploads import IngestionAnnouncements
from tests.support.world import Signer, VenueWorld

# Media samples, local and S3 (moto) storage fixtures shared by every package.
pytest_plugins = ["tests.support.fixtures", "tests.support.rollups", "tests.support.sql_probe"]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return postgres.admin_url()


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    return postgres.ensure_template(pg_admin_url)


@pytest.fixture
def database_url(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A fresh database, migrated to head, for this test alone."""
    yield from postgres.fresh_database(pg_admin_url, pg_template)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database.connect(database_url, pool_size=4)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp_path / "var",
        database_url=database_url,
        jwt_secret=SecretStr("test-secret-" + "x" * 40),
        public_base_url="http://testserver",
    )


@pytest.fixture
def launcher(database_url: str) -> Iterator[IngestionAnnouncements]:
    """What completed uploads announced to the ingestion worker (no worker in API tests)."""
    announcements = IngestionAnnouncements(database_url)
    yield announcements
    announcements.close()


@pytest.fixture
def app(settings: Settings, database: Database, clock: FakeClock) -> FastAPI:
    return create_app(settings, database=database, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # A documentation address as the peer, so per-IP limits and audit see a real IP.
    with TestClient(
        app, raise_server_exceptions=False, client=("203.0.113.10", 50000)
    ) as test_client:
        yield test_client


@pytest.fixture
def demo(database: Database) -> Demo:
    """The README's demo tenant, seeded into this test's database."""
    return seed_demo(database)


@pytest.fixture
def as_role(client: TestClient, demo: Demo) -> Signer:
    return Signer(client)


@pytest.fixture
def world(
    app: FastAPI,
    client: TestClient,
    database: Database,
    clock: FakeClock,
    demo: Demo,
    as_role: Signer,
) -> VenueWorld:
    """The demo tenant on a real app: one fixture for what most API and page tests need."""
    return VenueWorld(app, client, database, clock, demo, as_role)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_redis(tmp_path_factory.mktemp("redis")) as url:
        if url is None:
            pytest.skip("no Redis: set SIGNAGE_TEST_REDIS_URL or install redis-server")
        yield url
