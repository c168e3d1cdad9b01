"""Applying §27.1 rate limits to routes. Decisions are kept on the request so the middleware can
put X-RateLimit-* on every response, errors included; the tightest one is reported."""

from __future__ import annotations

import inspect
import ipaddress
import logging
import uuid
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.context import AppContext
from api.metrics import RATE_LIMIT_REFUSALS
from api.problems import DATABASE_UNAVAILABLE_ERRORS
from signage.db.engine import Database
from signage.db.models import Tenant
from signage.errors import DomainError, RateLimitedError
from signage.ratelimit import (
    Decision,
    InProcessRateLimiter,
    LimitCategory,
    effective_limit,
    login_limit_keys,
)

STATE_KEY = "rate_limit_decisions"
_OVERRIDES_TTL = timedelta(seconds=60)
_RETRY_READ_AFTER = timedelta(seconds=5)

log = logging.getLogger(__name__)


class TenantLimitOverrides:
    """Per-tenant overrides, cached for a minute so a request costs no extra query.

    When the database cannot be read, the tenant's last known overrides (or, never read, the
    defaults) apply and the read is tried again a few seconds later: counting a request must
    not fail it before its route can fall back, as the manifest does to the last good one
    (§31.9, issue 13 item 4)."""

    def __init__(self) -> None:
        self._cache: dict[uuid.UUID, tuple[datetime, dict[str, Any]]] = {}

    def is_fresh(self, tenant_id: uuid.UUID, now: datetime) -> bool:
        """Whether `get` would answer from memory (no database read) at `now`."""
        cached = self._cache.get(tenant_id)
        return cached is not None and now < cached[0]

    def get(self, database: Database, tenant_id: uuid.UUID | None, now: datetime) -> dict[str, Any]:
        if tenant_id is None:
            return {}
        cached = self._cache.get(tenant_id)
        if cached and now < cached[0]:
            return cached[1]
        try:
            overrides, fresh_for = _read_overrides(database, tenant_id), _OVERRIDES_TTL
        except DATABASE_UNAVAILABLE_ERRORS as exc:
            reason = type(exc).__name__
            log.warning(
                "tenant %s rate limits unreadable (%s): last known apply", tenant_id, reason
            )
            overrides, fresh_for = (cached[1] if cached else {}), _RETRY_READ_AFTER
        self._cache[tenant_id] = (now + fresh_for, overrides)
        return overrides


def _read_overrides(database: Database, tenant_id: uuid.UUID) -> dict[str, Any]:
    with database.sessions() as session:
        overrides = session.scalar(
            select(Tenant.rate_limit_overrides).where(Tenant.id == tenant_id)
        )
    return overrides or {}


def enforce(
    request: Request,
    context: AppContext,
    category: LimitCategory,
    subject: str,
    *,
    tenant_id: uuid.UUID | None = None,
) -> None:
    """Count one request against `category` for `subject`; 429 when over (§27.1)."""
    overrides: TenantLimitOverrides = request.app.state.tenant_limit_overrides
    now = context.clock()
    limit = effective_limit(category, overrides.get(context.database, tenant_id, now))
    decision = context.rate_limiter.hit(f"{category.value}:{subject}", limit, now)
    decisions: list[Decision] = request.scope.setdefault("state", {}).setdefault(STATE_KEY, [])
    decisions.append(decision)
    if not decision.allowed:
        RATE_LIMIT_REFUSALS.labels(category.value).inc()
        raise RateLimitedError(
            "Too many requests; try again later.",
            retry_after_seconds=decision.retry_after_seconds,
        )


def counts_in_memory(request: Request, context: AppContext, tenant_id: uuid.UUID) -> bool:
    """Whether `enforce` for this tenant does no I/O now (an in-process limiter, the tenant's
    overrides cached), so it may run on the event loop without a thread-pool hop."""
    overrides: TenantLimitOverrides = request.app.state.tenant_limit_overrides
    in_process = isinstance(context.rate_limiter, InProcessRateLimiter)
    return in_process and overrides.is_fresh(tenant_id, context.clock())


def enforce_publish_limit(request: Request, context: AppContext, tenant_id: uuid.UUID) -> None:
    """§27.1 "Publish operations: 10 / minute per tenant", on top of the mutation limit: the
    /v1 publish and rollback routes and the web app's publish buttons count alike."""
    enforce(request, context, LimitCategory.PUBLISH_PER_TENANT, str(tenant_id), tenant_id=tenant_id)


def enforce_pairing_claim_limits(
    request: Request, context: AppContext, tenant_id: uuid.UUID, venue_id: uuid.UUID
) -> None:
    """§27.1's pairing-claim limits, per client address and per venue: /v1's claim and the web
    app's pairing form count alike."""
    address = client_ip_address(request) or "unknown"
    for category, subject in (
        (LimitCategory.PAIRING_CLAIM_PER_IP, address),
        (LimitCategory.PAIRING_CLAIM_PER_VENUE, str(venue_id)),
    ):
        enforce(request, context, category, subject, tenant_id=tenant_id)


def enforce_login_limits(request: Request, context: AppContext, email: str) -> None:
    """§27.1's login limits, keyed by `signage.ratelimit.login_limit_keys`."""
    for category, subject in login_limit_keys(email, client_ip_address(request)):
        enforce(request, context, category, subject)


def enforce_unattributed(request: Request, context: AppContext) -> None:
    """Count a request no other limit has counted (a refused token, a malformed body, logout,
    a probe) against its address, so its answer carries X-RateLimit-* too (§27.1 "on all
    requests", issue 15 item 13). A request already counted is left alone."""
    if request.scope.get("state", {}).get(STATE_KEY):
        return
    address = client_ip_address(request) or "unknown"
    enforce(request, context, LimitCategory.UNATTRIBUTED_PER_IP, address)


def unattributed_rate_limit(request: Request) -> None:
    """Route dependency form of `enforce_unattributed` (logout, probes)."""
    enforce_unattributed(request, request.app.state.context)


def count_malformed_requests(app: FastAPI) -> None:
    """Wrap the app's 422/400 handler so a request refused for its shape (before its route
    could count it) is counted per address: 429 past the limit, headers either way."""
    answer_invalid = app.exception_handlers[RequestValidationError]
    answer_domain_error = app.exception_handlers[DomainError]

    async def counted(request: Request, exc: Exception) -> Response:
        try:
            await run_in_threadpool(enforce_unattributed, request, request.app.state.context)
        except RateLimitedError as refused:
            return await _answer(answer_domain_error(request, refused))
        return await _answer(answer_invalid(request, exc))

    app.add_exception_handler(RequestValidationError, counted)


async def _answer(answer: Response | Awaitable[Response]) -> Response:
    """An exception handler's answer (Starlette allows sync and async handlers)."""
    return await answer if inspect.isawaitable(answer) else answer


def rate_limit_headers(scope_state: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """X-RateLimit-* headers of the tightest limit the request was counted against."""
    decisions: list[Decision] = scope_state.get(STATE_KEY, [])
    if not decisions:
        return []
    tightest = min(decisions, key=lambda d: (d.remaining, -d.reset_epoch))
    return [
        (b"x-ratelimit-limit", str(tightest.limit).encode()),
        (b"x-ratelimit-remaining", str(tightest.remaining).encode()),
        (b"x-ratelimit-reset", str(tightest.reset_epoch).encode()),
    ]


def client_ip_address(request: Request) -> str | None:
    """The peer's IP address, or None when the peer is not an IP (test transports).
    Behind a proxy, uvicorn takes it from X-Forwarded-For when the proxy's address is in
    FORWARDED_ALLOW_IPS (loopback by default), so this is the client's."""
    host = request.client.host if request.client else None
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None
