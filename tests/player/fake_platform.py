"""A controllable fake of the platform's device-facing wire contract plus a media origin.

Served by uvicorn on 127.0.0.1 in a thread. Tests change its content and switch faults on and
off: API 503 / 429 with Retry-After, CDN 404 / 503, truncated and corrupt bodies, a dropped
network (the server stops listening), a revoked token. Tokens rotate like the real API's
(§25.7) once a test gives the fake a clock (`expire_tokens`).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from tests.player.wire_json import (
    CommandJson,
    CommandResultJson,
    EventJson,
    HeartbeatJson,
    ItemJson,
    ManifestJson,
    SettingsJson,
)

PROBLEM = "application/problem+json"
TOKEN_RENEWAL_HEADER = "X-Device-Token-Renewal"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MediaFault:
    kind: str  # "404", "503", "truncate", "corrupt", "drop"
    remaining: int = 1_000_000  # how many requests it affects


@dataclass
class Pairing:
    """A pairing the fake started: how often the screen polled, and whether it was claimed."""

    hardware: str
    polls: int = 0
    done: bool = False


@dataclass
class FakeState:
    manifest: ManifestJson | None = None
    token: str | None = None
    claim_after_polls: int = 1
    api_fault: tuple[int, float | None] | None = None  # (status, retry_after)
    media: dict[str, bytes] = field(default_factory=dict)
    media_faults: dict[str, MediaFault] = field(default_factory=dict)
    throttle_bytes_per_second: int | None = None
    heartbeats: list[HeartbeatJson] = field(default_factory=list)
    events: list[EventJson] = field(default_factory=list)
    commands: list[CommandJson] = field(default_factory=list)
    results: dict[str, CommandResultJson] = field(default_factory=dict)  # by command id
    screenshots: dict[str, bytes] = field(default_factory=dict)  # by command id (issue 19)
    requests: Counter[str] = field(default_factory=Counter)
    pairings: dict[str, Pairing] = field(default_factory=dict)  # by pairing id
    range_requests: int = 0
    # Token rotation (§25.7), off until `expire_tokens`: `token` is accepted until it ends; a
    # manifest answer within `renewal_window` of the end offers `successor`, which replaces
    # `token` at its first use (the old one is refused from then on).
    clock: Callable[[], datetime] | None = None
    token_lifetime: timedelta = timedelta(days=365)
    renewal_window: timedelta = timedelta(days=30)
    token_expires_at: datetime | None = None
    successor: str | None = None
    renewals: int = 0
    lost_renewals: int = 0  # how many answers offering a successor lose the header on the way


class FakePlatform:
    """Start with `start()`; `url` is the API base and the media origin."""

    def __init__(self) -> None:
        self.state = FakeState()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakePlatform:
        config = uvicorn.Config(
            self._app(), host="127.0.0.1", port=self.port, log_level="critical", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake platform did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = None

    def network_down(self) -> None:
        """Stop listening: every request fails with connection refused."""
        self.stop()

    def network_up(self) -> None:
        self.start()

    # ---- content -------------------------------------------------------------------------

    def add_media(self, name: str, data: bytes) -> str:
        self.state.media[name] = data
        return f"{self.url}/media/{name}?sig=secret-signature"

    def item(self, asset_id: str, name: str, kind: str, duration: int = 1) -> ItemJson:
        data = self.state.media[name]
        return {
            "assetId": asset_id,
            "type": kind,
            "url": f"{self.url}/media/{name}?sig=secret-signature",
            "checksumSha256": hashlib.sha256(data).hexdigest(),
            "durationSeconds": duration,
            "widthPx": 64,
            "heightPx": 48,
            "fileSizeBytes": len(data),
        }

    def publish(
        self,
        etag: str,
        items: list[ItemJson] | None,
        valid_to: str = "2099-01-01T00:00:00Z",
        next_check: int = 1,
        playlist_id: str | None = None,
        settings: SettingsJson | None = None,
    ) -> None:
        self.state.manifest = {
            "manifestEtag": etag,
            "validToUtc": valid_to,
            "nextCheckSeconds": next_check,
            "settings": {"runMode": "KIOSK", "orientation": "LANDSCAPE", **(settings or {})},
            "playlist": None
            if items is None
            else {"playlistId": playlist_id or f"pl_{etag}", "publishedVersion": 1, "items": items},
        }

    def expire_tokens(self, clock: Callable[[], datetime]) -> None:
        """From now on tokens end `token_lifetime` after issue, by `clock`, and are renewed."""
        self.state.clock = clock
        self.state.token_expires_at = clock() + self.state.token_lifetime

    def event_types(self) -> list[str]:
        return [e["eventType"] for e in self.state.events]

    # ---- app -----------------------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/devices/pairing/start", self._pairing_start, methods=["POST"]),
                Route("/v1/devices/pairing/status", self._pairing_status, methods=["GET"]),
                Route("/v1/player/manifest", self._manifest, methods=["GET"]),
                Route("/v1/player/heartbeat", self._heartbeat, methods=["POST"]),
                Route("/v1/player/events", self._events, methods=["POST"]),
                Route("/v1/player/commands", self._commands, methods=["GET"]),
                Route("/v1/player/commands/{command_id}/result", self._result, methods=["POST"]),
                Route(
                    "/v1/player/commands/{command_id}/screenshot-upload",
                    self._screenshot_upload,
                    methods=["POST"],
                ),
                Route("/screenshots/{command_id}", self._screenshot_put, methods=["PUT"]),
                Mount("/media", app=self._media),
            ]
        )

    def _fault(self, request: Request) -> Response | None:
        self.state.requests[request.url.path] += 1
        if self.state.api_fault is None:
            return None
        status, retry_after = self.state.api_fault
        headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
        body = {"type": "about:blank", "title": "Injected fault", "status": status}
        return JSONResponse(body, status, headers=headers, media_type=PROBLEM)

    def _unauthorized(self, request: Request) -> Response | None:
        state = self.state
        presented = request.headers.get("authorization", "").removeprefix("Bearer ")
        if state.successor is not None and presented == state.successor:
            self._adopt_successor()
        expired = state.clock is not None and (
            state.token_expires_at is None or state.clock() >= state.token_expires_at
        )
        if not state.token or presented != state.token or expired:
            body = {"title": "Invalid token", "status": 401}
            return JSONResponse(body, 401, media_type=PROBLEM)
        return None

    def _adopt_successor(self) -> None:
        """The successor's first use ends the token it replaces."""
        assert self.state.clock is not None
        self.state.token, self.state.successor = self.state.successor, None
        self.state.token_expires_at = self.state.clock() + self.state.token_lifetime

    def _renewal(self) -> dict[str, str]:
        """A fresh successor when the token is near its end (an unused one is replaced)."""
        state = self.state
        if state.clock is None or state.token_expires_at is None:
            return {}
        if state.token_expires_at - state.clock() > state.renewal_window:
            return {}
        state.successor = f"tok-{uuid.uuid4()}"
        state.renewals += 1
        if state.lost_renewals > 0:
            state.lost_renewals -= 1
            return {}
        return {TOKEN_RENEWAL_HEADER: state.successor, "Cache-Control": "no-store"}

    async def _pairing_start(self, request: Request) -> Response:
        if (fault := self._fault(request)) is not None:
            return fault
        body = await request.json()
        pairing_id = str(uuid.uuid4())
        code = f"{len(self.state.pairings) + 1:06d}"
        self.state.pairings[pairing_id] = Pairing(hardware=body["deviceHardwareId"])
        return JSONResponse(
            {
                "pairingId": pairing_id,
                "pairingCode": code,
                "qrPayload": f"signage://pair?code={code}",
                "expiresAtUtc": "2099-01-01T00:00:00Z",
                "pollSeconds": 1,
                "pairingSecret": "s3cret",
            },
            201,
        )

    async def _pairing_status(self, request: Request) -> Response:
        if (fault := self._fault(request)) is not None:
            return fault
        pairing = self.state.pairings.get(request.query_params.get("pairingId", ""))
        if pairing is None or request.query_params.get("pairingSecret") != "s3cret":
            return JSONResponse({"title": "Not found", "status": 404}, 404, media_type=PROBLEM)
        pairing.polls += 1
        if pairing.polls < self.state.claim_after_polls or pairing.done:
            return JSONResponse({"status": "PENDING"})
        pairing.done = True
        self.state.token = f"tok-{uuid.uuid4()}"
        if self.state.clock is not None:
            self.state.token_expires_at = self.state.clock() + self.state.token_lifetime
        return JSONResponse(
            {"status": "COMPLETED", "deviceId": "dev_1", "deviceToken": self.state.token}
        )

    async def _manifest(self, request: Request) -> Response:
        if (refused := self._fault(request) or self._unauthorized(request)) is not None:
            return refused
        manifest = self.state.manifest
        if manifest is None:
            return JSONResponse({"title": "No venue", "status": 404}, 404, media_type=PROBLEM)
        headers = {"ETag": f'"{manifest["manifestEtag"]}"', **self._renewal()}
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        return JSONResponse(manifest, headers=headers)

    async def _heartbeat(self, request: Request) -> Response:
        if (refused := self._fault(request) or self._unauthorized(request)) is not None:
            return refused
        body = await request.json()
        if _in_the_future(body.get("deviceTime")):
            return _future_timestamp()
        self.state.heartbeats.append(body)
        return Response(status_code=204)

    async def _events(self, request: Request) -> Response:
        if (refused := self._fault(request) or self._unauthorized(request)) is not None:
            return refused
        body = await request.json()
        assert len(body["events"]) <= 100
        if any(_in_the_future(e["eventTimeUtc"]) for e in body["events"]):
            return _future_timestamp()
        seen = {e["eventId"] for e in self.state.events}
        self.state.events.extend(e for e in body["events"] if e["eventId"] not in seen)
        return Response(status_code=204)

    async def _commands(self, request: Request) -> Response:
        if (refused := self._fault(request) or self._unauthorized(request)) is not None:
            return refused
        pending = [c for c in self.state.commands if c["commandId"] not in self.state.results]
        return JSONResponse({"items": pending})

    async def _result(self, request: Request) -> Response:
        if (refused := self._fault(request) or self._unauthorized(request)) is not None:
            return refused
        self.state.results[request.path_params["command_id"]] = await request.json()
        return Response(status_code=204)

    async def _screenshot_upload(self, request: Request) -> Response:
        """The signed-URL answer of the real API, pointing at this fake's own store."""
        if (refused := self._fault(request) or self._unauthorized(request)) is not None:
            return refused
        size = (await request.json())["sizeBytes"]
        command_id = request.path_params["command_id"]
        body = {
            "uploadUrl": f"{self.url}/screenshots/{command_id}?size={size}&sig=signed",
            "uploadMethod": "PUT",
            "uploadHeaders": {"Content-Type": "image/jpeg"},
            "expiresAtUtc": "2099-01-01T00:00:00Z",
        }
        return JSONResponse(body, 201)

    async def _screenshot_put(self, request: Request) -> Response:
        body = await request.body()
        signed = request.query_params.get("size") == str(len(body))
        if not signed or request.headers.get("authorization"):  # the URL is the capability
            return Response(status_code=403)
        if request.headers.get("content-type") != "image/jpeg":
            return Response(status_code=403)
        self.state.screenshots[request.path_params["command_id"]] = body
        return Response(status_code=200)

    # ---- media origin: raw ASGI so bodies can be cut short --------------------------------

    async def _media(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path"].rsplit("/", 1)[-1]
        self.state.requests[f"/media/{name}"] += 1
        data = self.state.media.get(name)
        fault = self.state.media_faults.get(name)
        if fault is not None and fault.remaining > 0:
            fault.remaining -= 1
        else:
            fault = None
        if data is None or (fault is not None and fault.kind in ("404", "503")):
            status = 503 if fault is not None and fault.kind == "503" else 404
            await _send_simple(send, status, b"")
            return
        start = _range_start(scope, len(data))
        if start is not None:
            self.state.range_requests += 1
        body = data if start is None else data[start:]
        if fault is not None and fault.kind == "corrupt":
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        headers = [(b"content-length", str(len(body)).encode()), (b"accept-ranges", b"bytes")]
        if start is not None:
            content_range = f"bytes {start}-{len(data) - 1}/{len(data)}"
            headers.append((b"content-range", content_range.encode()))
        await send(
            {"type": "http.response.start", "status": 206 if start else 200, "headers": headers}
        )
        if fault is not None and fault.kind in ("truncate", "drop"):
            cut = 0 if fault.kind == "drop" else len(body) // 2
            await send({"type": "http.response.body", "body": body[:cut], "more_body": True})
            raise ConnectionAbortedError("injected network drop")  # uvicorn closes the socket
        await self._stream(send, body)

    async def _stream(self, send: Send, body: bytes) -> None:
        rate = self.state.throttle_bytes_per_second
        chunk = 16 * 1024
        for offset in range(0, len(body), chunk):
            await send(
                {
                    "type": "http.response.body",
                    "body": body[offset : offset + chunk],
                    "more_body": offset + chunk < len(body),
                }
            )
            if rate:
                await asyncio.sleep(chunk / rate)
        if not body:
            await send({"type": "http.response.body", "body": b""})


def _in_the_future(timestamp: str | None) -> bool:
    """Like the real API: a timestamp over a day ahead of the server's clock is refused."""
    if timestamp is None:
        return False
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return moment - datetime.now(UTC) > timedelta(days=1)


def _future_timestamp() -> Response:
    body = {"title": "A timestamp is more than a day in the future", "status": 422}
    return JSONResponse(body, 422, media_type=PROBLEM)


def _range_start(scope: Scope, size: int) -> int | None:
    for key, value in scope["headers"]:
        if key == b"range" and value.startswith(b"bytes="):
            start = int(value[6:].split(b"-")[0])
            return start if 0 < start < size else None
    return None


async def _send_simple(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
