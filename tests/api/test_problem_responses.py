"""Every error is application/problem+json in the §27.2 shape and carries X-Request-Id."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.deps import SessionDep
from api.problems import database_unavailable
from signage.db.models import DeviceGroup, Tenant
from signage.errors import PreconditionFailedError, RateLimitedError, ServiceUnavailableError
from tests.support.demo import Demo
from tests.support.own_postgres import unreachable_database
from tests.support.world import Signer

PROBLEM_KEYS = {"type", "title", "status", "code", "detail", "instance", "requestId"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["requestId"] == response.headers["x-request-id"]
    return body


class _Echo(BaseModel):
    name: str
    count: int


@pytest.fixture
def probe_client(app: FastAPI) -> TestClient:
    """The real app plus a few routes that fail in chosen ways."""
    router = APIRouter(prefix="/v1/_probe")

    @router.post("/echo")
    def echo(body: _Echo) -> _Echo:
        return body

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    @router.get("/stale")
    def stale() -> None:
        raise PreconditionFailedError("Resource has changed.", current_etag='"7"')

    @router.get("/slow-down")
    def slow_down() -> None:
        raise RateLimitedError("Too many requests.", retry_after_seconds=17)

    @router.post("/write-then-fail")
    def write_then_fail(session: SessionDep) -> None:
        session.add(Tenant(name="Half-written", default_timezone="UTC"))
        session.flush()
        raise RuntimeError("fails after writing")

    @router.get("/database-unreachable")
    def database_unreachable() -> None:
        with unreachable_database() as down, down.sessions() as session:
            session.execute(text("SELECT 1"))

    @router.get("/connection-lost")
    def connection_lost(session: SessionDep) -> None:
        # The server ends this request's connection mid-transaction, as a restart does.
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


def test_unknown_route_is_a_problem_404(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/nothing-here"), 404, "NOT_FOUND")
    assert body["instance"] == "/v1/nothing-here"


def test_wrong_method_is_a_problem_405(client: TestClient) -> None:
    assert_problem(client.delete("/healthz"), 405, "METHOD_NOT_ALLOWED")


def test_wrong_types_are_a_422_listing_each_error(probe_client: TestClient) -> None:
    response = probe_client.post("/v1/_probe/echo", json={"name": "x", "count": "many"})
    body = assert_problem(response, 422, "VALIDATION_FAILED")
    assert [e["location"] for e in body["errors"]] == ["body.count"]


def test_malformed_json_is_a_400(probe_client: TestClient) -> None:
    response = probe_client.post(
        "/v1/_probe/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "BAD_REQUEST")


def test_oversize_body_is_a_413_before_parsing(probe_client: TestClient) -> None:
    response = probe_client.post(
        "/v1/_probe/echo",
        content=b"x" * (1024 * 1024 + 1),
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


def test_unexpected_error_is_a_500_without_internals(probe_client: TestClient) -> None:
    response = probe_client.get("/v1/_probe/boom")
    body = assert_problem(response, 500, "INTERNAL_ERROR")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"]


def test_precondition_failed_carries_current_etag(probe_client: TestClient) -> None:
    response = probe_client.get("/v1/_probe/stale")
    body = assert_problem(response, 412, "PRECONDITION_FAILED")
    assert body["currentEtag"] == '"7"'


def test_rate_limited_carries_retry_after(probe_client: TestClient) -> None:
    response = probe_client.get("/v1/_probe/slow-down")
    body = assert_problem(response, 429, "RATE_LIMITED")
    assert body["retryAfterSeconds"] == 17
    assert response.headers["retry-after"] == "17"


@pytest.mark.parametrize("probe", ["database-unreachable", "connection-lost"])
def test_a_database_outage_is_a_503_with_retry_after(probe_client: TestClient, probe: str) -> None:
    """Issue 13 item 4: mapped once for every route, never a 500; the pool recovers alone."""
    response = probe_client.get(f"/v1/_probe/{probe}")
    body = assert_problem(response, 503, "SERVICE_UNAVAILABLE")
    assert body["retryAfterSeconds"] == int(response.headers["retry-after"]) > 0
    assert "127.0.0.1" not in response.text  # nothing about the database's whereabouts
    assert "SELECT" not in response.text
    assert probe_client.get("/readyz").status_code == 200


def test_which_database_errors_mean_retry_later() -> None:
    refused = OperationalError("SELECT 1", {}, Exception("connection refused"))
    unavailable = database_unavailable(refused)
    assert isinstance(unavailable, ServiceUnavailableError)
    assert unavailable.retry_after_seconds > 0
    busy = database_unavailable(PoolTimeoutError("QueuePool limit reached"))
    assert busy is not None
    assert "busy" in busy.detail
    assert database_unavailable(DataError("INSERT", {}, Exception("NUL"))) is None  # a 422
    assert database_unavailable(RuntimeError("a bug")) is None  # a 500


def test_a_failed_request_leaves_nothing_written(probe_client: TestClient, database) -> None:
    assert probe_client.post("/v1/_probe/write-then-fail").status_code == 500
    with database.sessions() as session:
        assert session.query(Tenant).filter_by(name="Half-written").count() == 0


def test_client_request_id_is_echoed_when_sane(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": "abc-12345678"})
    assert response.headers["x-request-id"] == "abc-12345678"
    hostile = client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert hostile.headers["x-request-id"].startswith("req_")


def test_the_transaction_commits_before_the_response_is_sent(app: FastAPI) -> None:
    """A write that fails only at commit (a deferred constraint) must answer 500, never a 2xx
    followed by a rollback the client does not hear about."""
    router = APIRouter(prefix="/v1/_probe")

    @router.post("/fails-at-commit")
    def fails_at_commit(session: SessionDep) -> dict[str, str]:
        session.execute(text("CREATE TEMP TABLE parent (v int PRIMARY KEY)"))
        session.execute(
            text("CREATE TEMP TABLE child (v int REFERENCES parent DEFERRABLE INITIALLY DEFERRED)")
        )
        session.execute(text("INSERT INTO child VALUES (1)"))  # checked only at COMMIT
        return {"status": "written"}

    app.include_router(router)
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post("/v1/_probe/fails-at-commit")
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"


def test_a_value_the_database_cannot_store_is_a_422_not_a_500(
    client: TestClient, as_role: Signer, demo: Demo
) -> None:
    """A NUL character passes JSON and pydantic but not PostgreSQL (found by schemathesis)."""
    searched = client.get("/v1/library/playlists", params={"q": "A\x00B"}, headers=as_role("admin"))
    assert searched.status_code == 422
    assert searched.headers["content-type"] == "application/problem+json"
    claimed = client.post(
        f"/v1/venues/{demo.fortescue_id}/devices/pairing/claim",
        json={"pairingCode": "AB\u0000CD", "name": "Window"},
        headers=as_role("manager"),
    )
    assert claimed.status_code == 422


def test_a_unique_value_taken_at_commit_is_a_409_naming_the_field(
    app: FastAPI, demo: Demo, as_role: Signer
) -> None:
    """Issue 21: a unique violation is a 409 problem wherever it surfaces, even at commit."""
    router = APIRouter(prefix="/v1/_probe")

    @router.post("/same-group-twice")
    def same_group_twice(session: SessionDep) -> dict[str, str]:
        for _ in range(2):  # no flush here: the violation surfaces in the commit
            session.add(
                DeviceGroup(tenant_id=demo.tenant_id, venue_id=demo.fortescue_id, name="Bar")
            )
        return {"status": "written"}

    app.include_router(router)
    client = TestClient(app, raise_server_exceptions=False)
    body = assert_problem(client.post("/v1/_probe/same-group-twice"), 409, "CONFLICT")
    assert body["context"] == {"field": "name"}
    assert body["errors"][0]["location"] == "body.name"
