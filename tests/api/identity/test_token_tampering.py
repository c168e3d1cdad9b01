"""Every kind of bad token is a 401 problem+json (§25.10)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from signage.auth.tokens import SigningKey, issue_device_token
from signage.config import Settings
from tests.support.clock import FakeClock
from tests.support.demo import Demo, bearer, login


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def good_token(client: TestClient, demo: Demo) -> str:
    return login(client, "admin")["accessToken"]


def reissue(claims: dict, settings: Settings, **changes) -> str:
    return jwt.encode({**claims, **changes}, settings.jwt_secret_value(), algorithm="HS256")


def assert_unauthorized(client: TestClient, token: str) -> None:
    response = client.get("/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "UNAUTHORIZED"


def test_missing_or_malformed_authorization_header(client: TestClient) -> None:
    assert client.get("/v1/me").status_code == 401
    assert client.get("/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/v1/me", headers={"Authorization": "Bearer "}).status_code == 401
    assert_unauthorized(client, "not-a-jwt")


def test_tampered_payload_is_refused(client: TestClient, good_token: str) -> None:
    header, _, signature = good_token.split(".")
    claims = claims_of(good_token)
    forged = b64({**claims, "t_roles": ["TENANT_ADMIN"], "tid": claims["tid"][::-1]})
    assert_unauthorized(client, f"{header}.{forged}.{signature}")


def test_alg_none_is_refused(client: TestClient, good_token: str) -> None:
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims_of(good_token))}."
    assert_unauthorized(client, unsigned)


def test_wrong_key_is_refused(client: TestClient, good_token: str) -> None:
    assert_unauthorized(
        client, jwt.encode(claims_of(good_token), "some-other-key-" + "y" * 40, algorithm="HS256")
    )


def test_wrong_audience_and_issuer_are_refused(
    client: TestClient, good_token: str, settings: Settings
) -> None:
    claims = claims_of(good_token)
    assert_unauthorized(client, reissue(claims, settings, aud="another-api"))
    assert_unauthorized(client, reissue(claims, settings, iss="someone-else"))


def test_expired_token_is_refused(
    client: TestClient, good_token: str, settings: Settings, clock: FakeClock
) -> None:
    claims = claims_of(good_token)
    past = int((clock.now - timedelta(seconds=1)).timestamp())
    assert_unauthorized(client, reissue(claims, settings, exp=past))


def test_token_without_required_claims_is_refused(
    client: TestClient, good_token: str, settings: Settings
) -> None:
    claims = claims_of(good_token)
    del claims["jti"]
    assert_unauthorized(client, reissue(claims, settings))
    assert_unauthorized(client, reissue(claims_of(good_token), settings, v_roles="nonsense"))


def test_device_token_cannot_call_management_endpoints(
    client: TestClient, demo: Demo, settings: Settings, clock: FakeClock
) -> None:
    key = SigningKey(settings.jwt_secret_value(), settings.jwt_issuer, settings.jwt_audience)
    device_token, _ = issue_device_token(
        key,
        device_id=demo.user_ids["admin"],
        venue_id=demo.fortescue_id,
        tenant_id=demo.tenant_id,
        now=clock.now,
        lifetime=timedelta(days=1),
    )
    response = client.get("/v1/me", headers=bearer(device_token))
    assert response.status_code == 401
    assert "device token" in response.json()["detail"]
