"""Request context: request id on every response (§27.1 Correlation), access logs, body size
limits, and a problem+json 500 for anything unexpected (no stack trace leaks)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON, problem_body
from api.ratelimit import rate_limit_headers
from signage.observability import request_id_var

log = logging.getLogger("api.access")

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")
MAX_JSON_BODY_BYTES = 1024 * 1024


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int = MAX_JSON_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    *rate_limit_headers(scope["state"]),
                ]
            await send(message)

        try:
            if self._too_large(scope):
                await _send_problem(
                    send_with_id,
                    scope,
                    request_id,
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"Request bodies are limited to {self.max_body_bytes} bytes.",
                )
                return
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not status_holder["sent"]:
                await _send_problem(
                    send_with_id,
                    scope,
                    request_id,
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

    def _too_large(self, scope: Scope) -> bool:
        if not scope["path"].startswith("/v1/"):
            return False  # media uploads go to the origin, which enforces its own signed size
        for name, value in scope["headers"]:
            if name == b"content-length":
                return value.isdigit() and int(value) > self.max_body_bytes
        return False


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _CLIENT_REQUEST_ID.match(candidate):
                return candidate
    return f"req_{uuid.uuid4().hex}"


async def _send_problem(
    send: Send, scope: Scope, request_id: str, status: int, code: str, detail: str
) -> None:
    body = json.dumps(
        problem_body(status, code, detail, instance=scope["path"], request_id=request_id)
    ).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
