"""The HTTP client: conditional GET, 401 retried once, Retry-After, offline detection."""

from datetime import timedelta

import httpx
import pytest

from player.api_client import ApiError, PlayerApi, TokenRejectedError, retry_after_seconds
from player.clock import corrected_time
from tests.player.factories import T0, item_json, manifest_json


def api_with(handler):
    return PlayerApi("http://api.test", lambda: "tok", lambda: T0, httpx.MockTransport(handler))


def test_manifest_uses_if_none_match_and_understands_304():
    seen = []

    def handler(request):
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == '"e:1"':
            return httpx.Response(304)
        return httpx.Response(200, json=manifest_json("e:1", [item_json("a")]))

    api = api_with(handler)
    assert api.fetch_manifest(None).manifest.manifest_etag == "e:1"
    assert api.fetch_manifest("e:1").manifest is None
    assert seen == [None, '"e:1"']


def test_401_is_retried_once_then_the_token_is_rejected():
    calls = []

    def handler(request):
        calls.append(request.headers["authorization"])
        return httpx.Response(401, json={"title": "Invalid token"})

    with pytest.raises(TokenRejectedError):
        api_with(handler).fetch_commands()
    assert calls == ["Bearer tok", "Bearer tok"]


def test_a_single_401_followed_by_success_is_not_fatal():
    responses = iter([httpx.Response(401), httpx.Response(200, json={"items": []})])
    assert api_with(lambda request: next(responses)).fetch_commands() == []


def test_429_carries_retry_after_and_problem_title():
    def handler(request):
        body = {"title": "Too many requests", "status": 429}
        return httpx.Response(429, json=body, headers={"Retry-After": "30"})

    with pytest.raises(ApiError) as caught:
        api_with(handler).send_heartbeat({})
    assert (caught.value.status, caught.value.retry_after) == (429, 30.0)
    assert caught.value.reason == "Too many requests"


def test_connection_failure_is_offline():
    def handler(request):
        raise httpx.ConnectError("refused")

    with pytest.raises(ApiError) as caught:
        api_with(handler).fetch_manifest(None)
    assert caught.value.is_offline


def test_retry_after_accepts_http_dates():
    assert retry_after_seconds("Mon, 15 Jun 2026 12:01:00 GMT", T0) == 60
    assert retry_after_seconds("soon", T0) is None


def test_server_date_gives_the_clock_offset():
    def handler(request):
        return httpx.Response(
            200, json={"items": []}, headers={"Date": "Mon, 15 Jun 2026 12:10:00 GMT"}
        )

    api = api_with(handler)
    api.fetch_commands()
    assert api.server_offset == timedelta(minutes=10)
    assert corrected_time(T0, api.server_offset) == T0 + timedelta(minutes=10)
    assert corrected_time(T0, timedelta(seconds=30)) == T0  # small skew: device time stands
