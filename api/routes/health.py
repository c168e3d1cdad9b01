"""Liveness and readiness probes for load balancers and `make run`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ContextDep
from api.schemas.ops import ReadinessOut
from signage.db import migrate
from signage.db.engine import DatabaseUnavailableError

router = APIRouter(tags=["health"])


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
    checks: dict[str, str] = {}
    try:
        context.database.check_reachable()
        checks["database"] = "ok"
        at_head = migrate.is_at_head(context.database.engine)
        checks["migrations"] = "ok" if at_head else "behind head: run `signage db upgrade`"
    except (DatabaseUnavailableError, SQLAlchemyError) as exc:
        checks["database"] = str(exc).splitlines()[0]
    ready = all(value == "ok" for value in checks.values()) and len(checks) == 2
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
