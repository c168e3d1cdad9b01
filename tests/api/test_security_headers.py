"""Every response carries `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`:
API, errors, web app pages and static files, and media (issue 13 item 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.storage.local import LocalStorage
from tests.support.clock import FakeClock

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


def assert_security_headers(headers: object) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value, name  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),  # JSON
        ("GET", "/v1/me"),  # problem+json 401
        ("GET", "/v1/no-such-route"),  # problem+json 404
        ("GET", "/app/login"),  # a web app page
        ("GET", "/app/static/app.js"),  # a static file
        ("GET", "/docs"),  # the API docs page
    ],
)
def test_api_and_web_app_answers_carry_the_headers(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    assert response.status_code < 500
    assert_security_headers(response.headers)


def test_media_answers_carry_the_headers(
    app: FastAPI, client: TestClient, clock: FakeClock
) -> None:
    storage = app.state.context.storage
    assert isinstance(storage, LocalStorage)
    key = "tenant-1/assets/asset-1/original.png"
    storage.put_bytes(key, b"\x89PNG not really", "image/png")
    download = client.get(storage.presign_get(key, clock.now + timedelta(minutes=5)))
    assert download.status_code == 200
    assert_security_headers(download.headers)
    forged = client.get(f"/media/{key}?expires=1&sig=forged")
    assert forged.status_code == 403
    assert_security_headers(forged.headers)


def test_a_body_refused_as_too_large_carries_the_headers(client: TestClient) -> None:
    response = client.post("/v1/auth/login", content=b" " * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert_security_headers(response.headers)
