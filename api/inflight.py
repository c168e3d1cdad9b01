"""A cap on the requests one API process serves at once (issue 13, item 6; §22 backpressure).

Past the cap a request is answered at once with a 503 problem and `Retry-After`, which the
player already backs off from, instead of queueing behind the database pool until it times out.
It counts requests in flight (from their headers to the end of the response), not open
connections: idle keep-alive connections of a fleet of players cost nothing here.
`/healthz` is never refused, so a saturated process still reads as alive.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import PROBLEM_JSON, problem_body

RETRY_AFTER_SECONDS = 5
ALWAYS_ANSWERED = frozenset({"/healthz"})


class InFlightCapMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        # One event loop per process runs every request, so a plain counter is exact.
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ALWAYS_ANSWERED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await _busy(scope)(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def _busy(scope: Scope) -> JSONResponse:
    body = problem_body(
        503,
        "SERVICE_UNAVAILABLE",
        "The service is busy; retry shortly.",
        instance=scope["path"],
        request_id=scope.get("state", {}).get("request_id"),
        retryAfterSeconds=RETRY_AFTER_SECONDS,
    )
    return JSONResponse(
        body,
        status_code=503,
        media_type=PROBLEM_JSON,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
