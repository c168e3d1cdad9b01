"""Prometheus metrics (issue 17 item 1, §29.6, §32.3): `GET /metrics` in the text format.

Several workers or replicas: each replica is scraped on its own (Prometheus adds the `instance`
label; sum across them in queries). Several uvicorn workers in one replica share one port, so
set PROMETHEUS_MULTIPROC_DIR (an empty directory per start): prometheus-client then keeps each
worker's samples in files there and /metrics sums them (gauges: live workers only).

Cardinality stays bounded: requests are labelled by route template (`/v1/venues/{venueId}`),
never by a concrete path or device; tenants appear only on the device-count gauges, read from
the database at scrape time (one set-based query, so any replica answers the same numbers).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.pool import Pool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signage.db.engine import Database
from signage.errors import AuthenticationError
from signage.fleet_metrics import device_counts, upload_outcomes
from signage.operator_alerts import open_counts_by_kind

MANIFEST_ROUTE = "/v1/player/manifest"
UPLOAD_START_SUFFIX = "/uploads"
UPLOAD_COMPLETE_SUFFIX = "/complete"
LAST_GOOD_FLAG = "manifest_last_good"  # set in request.state by the manifest route

REQUESTS = Counter(
    "signage_http_requests",
    "HTTP requests by route template, method and status class",
    ["route", "method", "status_class"],
)
LATENCY = Histogram(
    "signage_http_request_duration_seconds",
    "HTTP request latency by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
IN_FLIGHT = Gauge(
    "signage_http_requests_in_flight", "Requests being served", multiprocess_mode="livesum"
)
MANIFEST_ANSWERS = Counter(
    "signage_manifest_answers", "Manifest answers by kind (200, 304, last_good, 503)", ["kind"]
)
RATE_LIMIT_REFUSALS = Counter(
    "signage_rate_limit_refusals", "Requests refused by a rate limit (§27.1)", ["category"]
)
HEARTBEAT_BATCH = Histogram(
    "signage_heartbeat_batch_size",
    "Heartbeats committed together by the group commit",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500),
)
HEARTBEAT_COMMIT = Histogram(
    "signage_heartbeat_commit_seconds",
    "Time to write and commit one heartbeat batch",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
UPLOADS = Counter("signage_uploads", "Uploads started and completed through the API", ["stage"])
POOL_WAIT = Histogram(
    "signage_db_pool_checkout_seconds",
    "Time to get a database connection from the pool (waiting for a free one or opening one)",
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30),
)
POOL_IN_USE = Gauge(
    "signage_db_pool_connections_in_use",
    "Database connections checked out of this process's pool",
    multiprocess_mode="livesum",
)


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")


class MetricsMiddleware:
    """Pure ASGI (no request object, no body buffering): a counter, a histogram and a gauge
    per request, labelled by the route template the router matched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, record_status)
        finally:
            IN_FLIGHT.dec()
            _observe(scope, status, time.perf_counter() - started)


def _observe(scope: Scope, status: int, seconds: float) -> None:
    route, method = route_template(scope), scope["method"]
    REQUESTS.labels(route, method, f"{status // 100}xx").inc()
    LATENCY.labels(route, method).observe(seconds)
    if route == MANIFEST_ROUTE and status in (200, 304, 503):
        last_good = scope.get("state", {}).get(LAST_GOOD_FLAG)
        MANIFEST_ANSWERS.labels("last_good" if last_good and status == 200 else str(status)).inc()
    elif method == "POST" and 200 <= status < 300:
        if route.endswith(UPLOAD_START_SUFFIX):
            UPLOADS.labels("started").inc()
        elif route.endswith(UPLOAD_COMPLETE_SUFFIX) and "/uploads/" in route:
            UPLOADS.labels("completed").inc()


def instrument_pool(engine: Engine) -> None:
    """Checkout time and connections in use for `engine`'s pool."""
    pool: Pool = engine.pool
    if getattr(pool, "signage_instrumented", False):  # another app on the same database
        return
    pool.signage_instrumented = True  # type: ignore[attr-defined]
    get = pool._do_get

    def timed_get() -> Any:
        started = time.perf_counter()
        try:
            return get()
        finally:
            POOL_WAIT.observe(time.perf_counter() - started)

    pool._do_get = timed_get  # type: ignore[method-assign]
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())


class FleetCollector(Collector):
    """Gauges read from PostgreSQL at scrape time (the same on every replica)."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.database.sessions() as session:
            devices = device_counts(session, self.clock())
            uploads = upload_outcomes(session, self.clock())
            operator_alerts = open_counts_by_kind(session)
        online = GaugeMetricFamily(
            "signage_devices",
            "Active devices by tenant and connectivity",
            labels=["tenant", "state"],
        )
        for tenant, state, count in devices:
            online.add_metric([tenant, state], count)
        yield online
        failed = GaugeMetricFamily(
            "signage_uploads_failed_last_hour",
            "Assets that failed processing in the last hour",
            labels=["reason"],
        )
        for reason, count in uploads.failed_by_reason.items():
            failed.add_metric([reason], count)
        yield failed
        latency = GaugeMetricFamily(
            "signage_upload_ready_seconds_last_hour",
            "Upload complete to READY over the last hour's assets",
            labels=["quantile"],
        )
        for quantile, seconds in uploads.ready_quantiles.items():
            latency.add_metric([quantile], seconds)
        yield latency
        platform = GaugeMetricFamily(
            "signage_operator_alerts_open",
            "Open alerts about the platform itself (failed Dagster runs), by kind",
            labels=["kind"],
        )
        for kind, count in operator_alerts.items():
            platform.add_metric([kind], count)
        yield platform


def exposition(fleet: Collector) -> bytes:
    """This process's (or, in multiprocess mode, every worker's) samples, then the fleet's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)  # type: ignore[no-untyped-call]
    else:
        base = REGISTRY
    fleet_registry = CollectorRegistry()
    fleet_registry.register(fleet)
    return generate_latest(base) + generate_latest(fleet_registry)


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Not behind user auth; refused without the bearer secret when SIGNAGE_METRICS_TOKEN is set
    (otherwise refuse it by network: the load balancer does not route /metrics)."""
    context = request.app.state.context
    token = context.settings.metrics_token
    if token is not None and not _bearer_matches(request, token.get_secret_value()):
        raise AuthenticationError("A valid metrics token is required.")
    fleet = FleetCollector(context.database, context.clock)
    return Response(exposition(fleet), media_type=CONTENT_TYPE_LATEST)


def _bearer_matches(request: Request, expected: str) -> bool:
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), expected.encode())
