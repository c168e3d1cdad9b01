"""The fault proxy does what each fault says, on loopback, against a small real upstream."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.proxy import Fault, FaultKind, FaultProxy
from conformance.vlc import screen_of
from tests.support.live import serve
from tests.support.redis_server import free_port

BODY = bytes(range(256)) * 4
MANIFEST = {
    "manifestEtag": "m:1",
    "validToUtc": "2030-01-01T00:00:00Z",
    "nextCheckSeconds": 60,
    "playlist": {"playlistId": "p", "publishedVersion": 1, "items": [
        {"assetId": "a", "checksumSha256": hashlib.sha256(BODY).hexdigest()}]},
}  # fmt: skip


async def media(request: Request) -> Response:
    return Response(BODY, media_type="application/octet-stream")


async def manifest(request: Request) -> Response:
    return JSONResponse(MANIFEST)


async def healthz(request: Request) -> Response:
    return Response("ok")


@pytest.fixture(scope="module")
def proxy() -> Iterator[FaultProxy]:
    routes = [Route("/media/x", media), Route("/v1/player/manifest", manifest)]
    upstream = Starlette(routes=[*routes, Route("/healthz", healthz)])
    with serve(upstream) as base_url:  # type: ignore[arg-type]
        running = FaultProxy(base_url, free_port())
        running.start()
        yield running
        running.stop()


@pytest.fixture
def client(proxy: FaultProxy) -> Iterator[httpx.Client]:
    proxy.clear()
    proxy.offline = False
    with httpx.Client(base_url=proxy.url, timeout=10) as http:
        yield http


def test_without_faults_the_answer_passes_unchanged_and_is_logged(
    client: httpx.Client, proxy: FaultProxy
) -> None:
    since = time.monotonic()
    assert client.get("/media/x?sig=secret").content == BODY
    logged = proxy.exchanges("/media/", since)
    assert [(e.path, e.status) for e in logged] == [("/media/x", 200)]  # no query in the log


def test_a_status_fault_answers_with_retry_after_then_wears_off(
    client: httpx.Client, proxy: FaultProxy
) -> None:
    proxy.add(Fault(FaultKind.STATUS, "/v1/player/manifest", status=429, retry_after=25, times=1))
    refused = client.get("/v1/player/manifest")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "25"
    assert client.get("/v1/player/manifest").status_code == 200


@pytest.mark.parametrize("kind", [FaultKind.DROP, FaultKind.DROP_RESPONSE, FaultKind.TRUNCATE])
def test_dropped_and_truncated_answers_fail_on_the_client(
    client: httpx.Client, proxy: FaultProxy, kind: FaultKind
) -> None:
    proxy.add(Fault(kind, "/media/", times=1))
    with pytest.raises(httpx.TransportError):
        client.get("/media/x")


def test_network_gone(client: httpx.Client, proxy: FaultProxy) -> None:
    proxy.offline = True
    with pytest.raises(httpx.TransportError):
        client.get("/media/x")


def test_corrupted_bodies_keep_their_length(client: httpx.Client, proxy: FaultProxy) -> None:
    proxy.add(Fault(FaultKind.CORRUPT, "/media/", times=1))
    corrupted = client.get("/media/x").content
    assert len(corrupted) == len(BODY)
    assert corrupted != BODY


def test_manifest_faults_and_clock_skew(client: httpx.Client, proxy: FaultProxy) -> None:
    proxy.add(Fault(FaultKind.INVALID_MANIFEST, "/v1/player/manifest", times=1))
    assert "nextCheckSeconds" not in client.get("/v1/player/manifest").json()
    proxy.add(Fault(FaultKind.WRONG_CHECKSUM, "/v1/player/manifest", times=1))
    assert (
        client.get("/v1/player/manifest").json()["playlist"]["items"][0]["checksumSha256"]
        == "0" * 64
    )
    proxy.add(Fault(FaultKind.SKEW, "/", seconds=3600, times=1))
    skewed = parsedate_to_datetime(client.get("/healthz").headers["date"])
    honest = parsedate_to_datetime(client.get("/healthz").headers["date"])
    assert 3590 <= (skewed - honest).total_seconds() <= 3600


def test_the_reference_players_state_file_reads_as_a_screen() -> None:
    assert screen_of({"state": "PLAYING", "current_asset_id": "a"}) == "CONTENT"
    assert screen_of({"state": "PLAYING", "current_asset_id": None}) == "BLANK"
    assert screen_of({"state": "UNREGISTERED"}) == "PAIRING"
    assert screen_of({"state": "ERROR_SCREEN"}) == "ERROR"
