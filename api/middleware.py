"""Request context: request id and security headers on every response (§27.1 Correlation),
access logs, body size limits, and a problem+json 500 for anything unexpected (no stack trace
leaks)."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON, problem_body
from api.ratelimit import rate_limit_headers
from signage.observability import request_id_var
from signage.storage.local import MEDIA_MOUNT_PATH

log = logging.getLogger("api.access")

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")
MAX_JSON_BODY_BYTES = 1024 * 1024
# Every response (API, web app, media): browsers never sniff a type other than the one declared,
# and no address of ours (ids, `/app/pair?code=`, signed media URLs) goes to another site as a
# Referer. `same-origin` rather than `no-referrer` keeps the Origin header on the web app's own
# form posts (browsers send `Origin: null` under `no-referrer`).
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"))


class BodyTooLargeError(Exception):
    """More bytes of a request body arrived than the limit allows."""


class RequestContextMiddleware:
    """The outermost layer: request id, security headers, the access log and the last-resort
    500 problem, for every response including the refusals of the layers inside it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["sent"] = True
                message["headers"] = _with_headers(
                    message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    *rate_limit_headers(scope["state"]),
                    *SECURITY_HEADERS,
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not status_holder["sent"]:
                await _send_problem(
                    send_with_id,
                    scope,
                    500,
                    "INTERNAL_ERROR",
                    "Something went wrong on our side; it has been logged.",
                )
        finally:
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status_holder["status"],
                extra={"durationMs": round((time.perf_counter() - started) * 1000, 1)},
            )
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Reads a request's body before any route code (parsing, authentication) runs, counting
    the bytes that arrive, chunked or not, and answers 413 as soon as the limit is passed.
    It sits inside the in-flight cap, so a client that sends its body slowly holds a slot."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int = MAX_JSON_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = _RequestBody(scope, receive)

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and not body.complete:
                # Answered before the body was read whole (a refusal): the rest is never read
                # or drained, the connection goes with it.
                message["headers"] = _with_headers(
                    message.get("headers", []), (b"connection", b"close")
                )
            await send(message)

        if self._limits_body(scope):
            try:
                await body.read_within(self.max_body_bytes)
            except BodyTooLargeError:
                await _send_problem(
                    send_closing,
                    scope,
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"Request bodies are limited to {self.max_body_bytes} bytes.",
                )
                return
        await self.app(scope, body, send_closing)

    def _limits_body(self, scope: Scope) -> bool:
        """Every route takes JSON or a form, except the media origin: it checks an upload's
        signed size itself, on the bytes it receives (`api.media_origin`)."""
        path: str = scope["path"]
        return not (path == MEDIA_MOUNT_PATH or path.startswith(MEDIA_MOUNT_PATH + "/"))


class _RequestBody:
    """The request's `receive`, noting whether the whole body has been read. `read_within`
    reads it before any route code (parsing, authentication) runs; the app then gets it
    replayed."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self._receive = receive
        self._arrived: deque[Message] = deque()
        self._declared_length = _declared_length(scope)
        self.complete = self._declared_length == 0 and not _header(scope, b"transfer-encoding")

    async def __call__(self) -> Message:
        return self._arrived.popleft() if self._arrived else await self._pull()

    async def read_within(self, limit: int) -> None:
        """Read the body, counting bytes as they arrive, chunked or not; BodyTooLargeError as
        soon as more than `limit` arrived, without reading the rest."""
        if self._declared_length > limit:
            raise BodyTooLargeError()  # refused without reading a byte
        received = 0
        while not self.complete:
            message = await self._pull()
            self._arrived.append(message)
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLargeError()

    async def _pull(self) -> Message:
        message = await self._receive()
        # A disconnect ends the body too: the app sees it as it would have.
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.complete = True
        return message


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value)
    return None


def _declared_length(scope: Scope) -> int:
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.isdigit() else 0


def _with_headers(
    headers: list[tuple[bytes, bytes]], *added: tuple[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    """`headers` plus each added one the response does not already carry."""
    present = {name.lower() for name, _ in headers}
    return [*headers, *(header for header in added if header[0] not in present)]


class RequestIds:
    """Fresh request ids: this process's random prefix and a counter, 32 hex digits like a
    UUID's. uuid4 read the kernel's randomness on every request, 7 % of a heartbeat's CPU
    under bench.telemetry (py-spy); an id needs to be unique, not unguessable. A forked child
    draws a prefix of its own."""

    def __init__(self) -> None:
        self._draw_prefix()
        os.register_at_fork(after_in_child=self._draw_prefix)

    def _draw_prefix(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count()

    def fresh(self) -> str:
        return f"req_{self._prefix}{next(self._counter) & 0xFFFF_FFFF_FFFF_FFFF:016x}"


_REQUEST_IDS = RequestIds()


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _CLIENT_REQUEST_ID.match(candidate):
                return candidate
    return _REQUEST_IDS.fresh()


async def _send_problem(send: Send, scope: Scope, status: int, code: str, detail: str) -> None:
    request_id = scope.get("state", {}).get("request_id")
    body = json.dumps(
        problem_body(status, code, detail, instance=scope["path"], request_id=request_id)
    ).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
