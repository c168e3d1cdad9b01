"""The FastAPI facade: validates, authorises and calls the domain (DESIGN.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from api import metrics, webapp, webplayer
from api.context import AppContext, system_clock
from api.inflight import InFlightCapMiddleware
from api.media_origin import create_media_origin
from api.metrics import MetricsMiddleware, instrument_pool
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.openapi import install_openapi
from api.player_fast_path import PlayerFromMemory
from api.problems import install_problem_handlers
from api.ratelimit import TenantLimitOverrides, count_malformed_requests
from api.routes import (
    assets,
    auth,
    devices,
    health,
    me,
    notifications,
    ops,
    pairing,
    player,
    playlists,
    scheduling,
    tenants,
    trends,
)
from signage.config import Settings
from signage.db.engine import Database, database_url
from signage.storage.local import MEDIA_MOUNT_PATH, LocalStorage

API_DESCRIPTION = """
The signage platform API (spec §27). JSON fields are camelCase; every error is
`application/problem+json` (§27.2); every response carries `X-Request-Id`.

Extensions to §27 (also in `docs/api-extensions.md`): `POST /v1/auth/logout`;
`PATCH /v1/tenants/{tenantId}/users/{userId}`; `GET /v1/tenants/{tenantId}/audit`;
token responses carry expiry times and the first page of accessible venues; reads are limited
per user (600/min) so every response carries `X-RateLimit-*`; unknown body fields are refused.
Scheduling adds playlist rename and version history, presence (`.../presence`), schedule
rollback history in the schedule view, overrides (`/v1/venues/{venueId}/overrides`) and the
timeline (`/v1/venues/{venueId}/timeline`); publish and rollback need `If-Match` like every
draft change. The manifest's ETag covers settings, playlist snapshot and validToUtc, never the
signed URLs; on a resolution failure the device's last good manifest is served, else a 503.
A resource of another tenant, or a venue where the caller holds no role, is 404; a role too
low for the action is 403; a token of the wrong kind (device vs user) is 401.

Each operation lists every error status it can answer, as the shared `Problem`. The published
contract is `docs/openapi.json`; its changes are in `docs/api-changelog.md`.
"""


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    clock: Callable[[], datetime] = system_clock,
) -> FastAPI:
    """Build the app. Pass a `database` to share one (tests); otherwise connect from settings."""
    owns_database = database is None
    db = database or Database.connect(database_url(settings))
    context = AppContext(settings=settings, database=db, clock=clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_database:
            db.dispose()

    app = FastAPI(
        title="Signage Platform API",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.tenant_limit_overrides = TenantLimitOverrides()
    install_problem_handlers(app)
    count_malformed_requests(app)
    # Outermost last: request context (request id, headers, access log), then the in-flight
    # cap, then the body limit, so a request holds its slot while its body arrives.
    app.add_middleware(PlayerFromMemory, api=app)  # issue 18: innermost, before the router
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(InFlightCapMiddleware, limit=settings.api_limit_concurrency)
    install_openapi(app)
    app.add_middleware(MetricsMiddleware)  # inside the request context: counts its refusals too
    app.add_middleware(RequestContextMiddleware)
    instrument_pool(context.database.engine)
    routers = (health, auth, me, tenants, pairing, devices, player, assets, playlists, scheduling)
    for module in routers:
        app.include_router(module.router)
    app.include_router(ops.router)  # §21 alerts and dashboard
    app.include_router(notifications.router)  # issue 17 item 2
    app.include_router(trends.router)  # issue 17 item 4
    app.include_router(metrics.router)  # issue 17 item 1: /metrics, not in the OpenAPI schema
    webapp.install(app)  # the manager web app under /app (issue #9), not in the OpenAPI schema
    webplayer.install(app, settings.webplayer_dir)  # the browser player at /player/ (issue 20)
    if isinstance(context.storage, LocalStorage):
        # The embedded default's CDN stand-in: signed PUT/GET of media (§32.3).
        app.mount(MEDIA_MOUNT_PATH, create_media_origin(context.storage, clock=clock))
    return app
