"""Liveness and readiness probes for load balancers and `make run`."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ContextDep
from api.ratelimit import unattributed_rate_limit
from api.schemas.ops import ReadinessOut
from signage.db import migrate
from signage.db.engine import DatabaseUnavailableError

# Probes are counted per address, generously, so they carry X-RateLimit-* as §27.1 asks.
router = APIRouter(tags=["health"], dependencies=[Depends(unattributed_rate_limit)])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and migrated to head",
    response_model=ReadinessOut,
    responses={503: {"model": ReadinessOut, "description": "Not ready: see `checks`"}},
)
def readyz(context: ContextDep) -> JSONResponse:
    """Public, so it says only ok or not per dependency; why the database cannot be reached
    (its address, socket path, the driver's message) goes to the log, not to the caller."""
    checks: dict[str, str] = {}
    try:
        context.database.check_reachable()
        checks["database"] = "ok"
        at_head = migrate.is_at_head(context.database.engine)
        checks["migrations"] = "ok" if at_head else "behind head: run `signage db upgrade`"
    except (DatabaseUnavailableError, SQLAlchemyError) as exc:
        log.warning("not ready: %s", str(exc).splitlines()[0])
        checks["database"] = "unavailable"
    ready = all(value == "ok" for value in checks.values()) and len(checks) == 2
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
