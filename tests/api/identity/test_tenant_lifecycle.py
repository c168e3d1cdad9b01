"""Issue 15 item 8: a platform operator disables and re-enables a tenant with the CLI
(`signage tenant disable|enable`). Its users cannot sign in and their access tokens end, its
devices are refused at their very next request (their token checks were cached), its data is
kept; re-enabled, the screens come back without pairing and users sign in again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import typer
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from signage.cli import disable_tenant, enable_tenant
from signage.config import Settings
from signage.db.engine import Database
from signage.db.models import AuditEntry, Device, Tenant
from signage.enums import TenantStatus
from signage.tenancy import demo as demo_data
from tests.support.clock import FakeClock
from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo, bearer, login
from tests.support.devices import heartbeat_body, pair


@pytest.fixture
def shared_client(
    settings: Settings,
    database: Database,
    clock: FakeClock,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    """The API with its caches shared through Redis, as in production, and the CLI's
    environment pointing at the same database and Redis."""
    redis.Redis.from_url(redis_url).flushdb()
    shared = settings.model_copy(update={"redis_url": redis_url})
    monkeypatch.setenv("SIGNAGE_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("SIGNAGE_REDIS_URL", redis_url)
    app = create_app(shared, database=database, clock=clock)
    with TestClient(app, client=("203.0.113.10", 50000)) as client:
        yield client


def heartbeat(client: TestClient, headers: dict[str, str]) -> int:
    return client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=headers).status_code


def test_a_disabled_tenant_is_refused_at_once_and_comes_back_whole(
    shared_client: TestClient, demo: Demo, database: Database, clock: FakeClock
) -> None:
    client = shared_client
    admin = bearer(login(client, "admin")["accessToken"])
    other_admin = bearer(login(client, "other_admin")["accessToken"])
    device = pair(client, admin, demo.fortescue_id)
    assert heartbeat(client, device.headers) == 204  # its token check is now cached
    with database.sessions() as session:
        devices_before = session.scalar(select(func.count()).select_from(Device))

    disable_tenant(demo_data.HOSPITALITY)

    clock.advance(seconds=31)  # past the heartbeat's per-device limit, well within cache TTLs
    assert heartbeat(client, device.headers) == 401
    assert client.get("/v1/me", headers=admin).status_code == 401
    refused = client.post(
        "/v1/auth/login", json={"email": ROLE_EMAILS["admin"], "password": DEMO_PASSWORD}
    )
    assert refused.status_code == 401
    assert client.get("/v1/me", headers=other_admin).status_code == 200  # another tenant
    with database.sessions() as session:
        assert session.get_one(Tenant, demo.tenant_id).status is TenantStatus.DISABLED
        assert session.scalar(select(func.count()).select_from(Device)) == devices_before
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.tenant_id == demo.tenant_id, AuditEntry.target_type == "tenant"
                )
            )
        )
    assert actions == ["TENANT_DISABLED"]

    enable_tenant(str(demo.tenant_id))  # by id as well as by name

    clock.advance(seconds=31)
    assert heartbeat(client, device.headers) == 204  # no pairing again
    assert client.get("/v1/me", headers=admin).status_code == 401  # old tokens stay ended
    again = bearer(login(client, "admin")["accessToken"])
    assert client.get("/v1/me", headers=again).status_code == 200


def test_an_unknown_tenant_is_one_line_of_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGNAGE_DATABASE_URL", str(settings.database_url))
    with pytest.raises(typer.Exit):
        disable_tenant("No Such Tenant")
    assert "error: Tenant 'No Such Tenant' was not found." in capsys.readouterr().err
