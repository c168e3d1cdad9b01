"""The 1 MiB body limit holds on the bytes that arrive, chunked or not, before anything parses
or authenticates (issue 13 item 2: a chunked 100 MB login body used to be read whole)."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import anyio
import httpx
from fastapi import FastAPI

from api.middleware import MAX_JSON_BODY_BYTES
from signage.storage.local import LocalStorage
from tests.api.test_problem_responses import assert_problem
from tests.support.clock import FakeClock
from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS, Demo
from tests.support.live import serve

CHUNK = 64 * 1024
HUNDRED_MB = 100 * 1024 * 1024


class ChunkedBody:
    """A body sent with Transfer-Encoding: chunked (no Content-Length), counting what the
    server actually pulled from it."""

    def __init__(self, total: int, prefix: bytes = b"") -> None:
        self.total = total
        self.prefix = prefix
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.prefix
        self.pulled += len(self.prefix)
        while self.pulled < self.total:
            chunk = b" " * min(CHUNK, self.total - self.pulled)
            self.pulled += len(chunk)
            yield chunk


def post_chunked(
    app: FastAPI, path: str, body: ChunkedBody, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST through the app's ASGI interface, which pulls the body one chunk at a time."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post(
                path,
                content=body,
                headers={"content-type": "application/json", **(headers or {})},
            )

    return anyio.run(send)


def login_json(padded_to: int) -> bytes:
    """A valid login body, padded with whitespace (still valid JSON) to `padded_to` bytes."""
    body = json.dumps({"email": ROLE_EMAILS["admin"], "password": DEMO_PASSWORD}).encode()
    return body + b" " * (padded_to - len(body))


def test_a_chunked_100_mb_login_is_refused_after_the_first_mebibyte(app: FastAPI) -> None:
    body = ChunkedBody(HUNDRED_MB, prefix=b'{"email": "a@b.example", "password": "')
    response = post_chunked(app, "/v1/auth/login", body)
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    assert response.headers["connection"] == "close"
    # Refused as the limit was passed: the other ~99 MB were never read.
    assert body.pulled <= MAX_JSON_BODY_BYTES + 2 * CHUNK


def test_a_bad_token_with_an_oversized_chunked_body_is_413_not_401(
    app: FastAPI, demo: Demo
) -> None:
    body = ChunkedBody(HUNDRED_MB, prefix=b'{"name": "')
    response = post_chunked(
        app, "/v1/library/playlists", body, headers={"Authorization": "Bearer forged.token.x"}
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")  # the limit comes before authentication
    assert body.pulled <= MAX_JSON_BODY_BYTES + 2 * CHUNK


def test_a_web_app_form_post_is_limited_too(app: FastAPI) -> None:
    body = ChunkedBody(HUNDRED_MB, prefix=b"csrf_token=x&email=")
    response = post_chunked(
        app,
        "/app/login",
        body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    assert body.pulled <= MAX_JSON_BODY_BYTES + 2 * CHUNK


def test_a_chunked_body_just_under_the_limit_still_works(app: FastAPI, demo: Demo) -> None:
    payload = login_json(MAX_JSON_BODY_BYTES - 1)
    body = ChunkedBody(len(payload), prefix=payload)
    response = post_chunked(app, "/v1/auth/login", body)
    assert response.status_code == 200, response.text
    assert response.json()["accessToken"]


def test_a_content_length_over_the_limit_is_refused_before_reading(app: FastAPI) -> None:
    body = ChunkedBody(MAX_JSON_BODY_BYTES + 1)
    response = post_chunked(
        app, "/v1/auth/login", body, headers={"content-length": str(MAX_JSON_BODY_BYTES + 1)}
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    assert body.pulled == 0


def test_over_a_real_socket_the_server_answers_413_and_hangs_up(app: FastAPI) -> None:
    """uvicorn on loopback, a raw chunked request with a bad token: the 413 comes once a little
    over 1 MiB has been sent, and the connection is closed instead of draining 100 MB."""
    with serve(app) as base_url, _connect(base_url) as conn:
        conn.sendall(
            b"POST /v1/library/playlists HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer forged.token.x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        sent = _send_chunks_until_answered(conn)
        answer = _read_until_closed(conn)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"application/problem+json" in answer
    assert b"PAYLOAD_TOO_LARGE" in answer
    assert b"connection: close" in answer.lower()
    assert sent < 8 * MAX_JSON_BODY_BYTES  # refused near the limit, not after the whole body


def _connect(base_url: str) -> socket.socket:
    port = urlsplit(base_url).port
    assert port is not None
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def _send_chunks_until_answered(conn: socket.socket) -> int:
    """Send 64 KiB chunks until the server answers (or 100 MB went); the bytes sent."""
    sent = 0
    while sent < HUNDRED_MB and not select.select([conn], [], [], 0)[0]:
        try:
            conn.sendall(b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK))
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += CHUNK
    return sent


def _read_until_closed(conn: socket.socket) -> bytes:
    """The server's answer, up to its closing the connection (a reset after the answer is
    a close too: the server dropped the body it never read)."""
    received = b""
    while True:
        try:
            part = conn.recv(65536)
        except ConnectionResetError:
            return received
        if not part:
            return received
        received += part


def test_the_media_origin_refuses_a_chunked_upload_unread_and_hangs_up(
    app: FastAPI, clock: FakeClock
) -> None:
    """The origin keeps its own limit, the signed size: a chunked PUT (no Content-Length) of
    far more is refused before a byte is stored, and the rest is not drained."""
    storage = app.state.context.storage
    assert isinstance(storage, LocalStorage)
    key = "tenant-1/assets/asset-1/original.mp4"
    presigned = storage.presign_put(key, "video/mp4", 1000, clock.now + timedelta(minutes=5))
    with serve(app) as base_url, _connect(base_url) as conn:
        target = urlsplit(presigned.url)
        conn.sendall(
            f"PUT {target.path}?{target.query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        sent = _send_chunks_until_answered(conn)
        answer = _read_until_closed(conn)
    assert answer.startswith(b"HTTP/1.1 411 "), answer[:200]
    assert b"LENGTH_REQUIRED" in answer
    assert b"connection: close" in answer.lower()
    assert sent < 8 * MAX_JSON_BODY_BYTES
    assert not storage.exists(key)
