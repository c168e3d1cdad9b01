"""The OpenAPI document (issue 21): every error a route can answer, as a problem+json Problem
derived from the one error->status table, the headers clients rely on, and the published copy
in docs/openapi.json kept equal to what the app serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api.openapi import render
from api.problems import PROBLEM_JSON, PROBLEM_SCHEMA, raises
from signage.errors import DuplicateError, PermissionDeniedError

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REFRESH = "make openapi"
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def resolve(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    ref = response.get("$ref")
    return document["components"]["responses"][ref.rsplit("/", 1)[1]] if ref else response


def statuses(document: dict[str, Any], label: str) -> set[int]:
    method, path = label.split(" ", 1)
    return {int(code) for code in document["paths"][path][method.lower()]["responses"]}


def test_the_published_contract_is_what_the_app_serves(document: dict[str, Any]) -> None:
    served = render(document)
    published = PUBLISHED.read_text(encoding="utf-8") if PUBLISHED.exists() else ""
    assert served == published, (
        f"docs/openapi.json differs from the document the app serves: run `{REFRESH}`, review "
        "the diff and record the change in docs/api-changelog.md"
    )


def test_every_error_response_is_the_shared_problem(document: dict[str, Any]) -> None:
    for label, operation in operations(document):
        for code, response in operation["responses"].items():
            if code.startswith(("2", "3")) or label == "GET /readyz":
                continue
            content = resolve(document, response)["content"]
            assert list(content) == [PROBLEM_JSON], (label, code)
            assert content[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_statuses_follow_what_each_route_depends_on(document: dict[str, Any]) -> None:
    group = "PUT /v1/venues/{venueId}/groups/{groupId}"
    assert statuses(document, group) >= {200, 400, 401, 403, 404, 409, 413, 422, 429, 503}
    assert statuses(document, "PATCH /v1/venues/{venueId}/playlists/{playlistId}") >= {412, 428}
    assert statuses(document, "POST /v1/player/heartbeat") >= {400, 401, 413, 422, 429, 503}
    assert statuses(document, "GET /v1/player/manifest") >= {304, 401, 429, 503}
    assert statuses(document, "POST /v1/auth/login") >= {400, 401, 413, 422, 429}
    assert 403 not in statuses(document, "GET /v1/me")
    assert 412 not in statuses(document, group)
    for label, operation in operations(document):
        if " /v1/" in label:
            assert "503" in operation["responses"], label


def test_clients_find_the_headers_they_rely_on(document: dict[str, Any]) -> None:
    too_many = resolve(document, {"$ref": "#/components/responses/TooManyRequests"})
    assert too_many["headers"]["Retry-After"]["required"] is True
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
        too_many["headers"]
    )
    device = document["paths"]["/v1/venues/{venueId}/devices/{deviceId}"]["get"]["responses"]
    assert set(device["200"]["headers"]) >= {"ETag", "X-Request-Id", "X-RateLimit-Limit"}
    for label, operation in operations(document):
        for code, response in operation["responses"].items():
            assert "X-Request-Id" in resolve(document, response)["headers"], (label, code)


def test_a_declared_error_is_documented_with_the_status_the_handlers_give_it(
    app: FastAPI, client: TestClient
) -> None:
    """One table: the status in the document is the status the problem handler answers."""
    router = APIRouter(prefix="/v1/_probe")

    @router.get("/taken", summary="probe")
    @raises(DuplicateError, PermissionDeniedError)
    def taken() -> None:
        raise DuplicateError("This name is already in use.", field="name")

    app.include_router(router)
    app.openapi_schema = None  # rebuilt with the probe route
    documented = client.get("/openapi.json").json()["paths"]["/v1/_probe/taken"]["get"]
    assert {"403", "409", "503"} <= set(documented["responses"])
    answered = client.get("/v1/_probe/taken")
    assert answered.status_code == 409
    jsonschema.validate(answered.json(), PROBLEM_SCHEMA)
