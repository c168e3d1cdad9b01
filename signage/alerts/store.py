"""Applying a reconcile plan to the `alerts` table. Written so that two evaluations that run at
once still leave one open row per problem: opening is an INSERT ... ON CONFLICT on the unique
index over open dedup keys (`uq_alerts_open_dedup`), so a key opened meanwhile by another run is
refreshed instead of duplicated, and resolving only touches rows that are still OPEN."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from signage.alerts.reconcile import ReconcilePlan
from signage.alerts.rules import AlertCandidate
from signage.db.models import Alert
from signage.enums import AlertStatus

# Rows per INSERT: 13 parameters each keeps a statement far below PostgreSQL's 65,535.
UPSERT_BATCH = 1000
# Must match the predicate of uq_alerts_open_dedup so PostgreSQL picks it as the arbiter.
OPEN_PREDICATE = text("status = 'OPEN'")


def open_alert_keys(session: Session) -> set[str]:
    return set(session.scalars(select(Alert.dedup_key).where(Alert.status == AlertStatus.OPEN)))


def apply_plan(session: Session, plan: ReconcilePlan, now: datetime) -> None:
    """Open and refresh (one upsert), then resolve, all at `now`."""
    # One key order for every run, so concurrent runs lock rows in the same order (no deadlock).
    upserts = sorted([*plan.to_open, *plan.to_refresh], key=lambda c: c.dedup_key)
    for batch in _batches(upserts, UPSERT_BATCH):
        _upsert_open(session, batch, now)
    if plan.to_resolve:
        _resolve(session, plan.to_resolve, now)


def _upsert_open(session: Session, candidates: Sequence[AlertCandidate], now: datetime) -> None:
    statement = insert(Alert).values([_new_row(c, now) for c in candidates])
    fresh = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[Alert.dedup_key],
        index_where=OPEN_PREDICATE,
        set_={
            "venue_id": fresh.venue_id,
            "severity": fresh.severity,
            "details": fresh.details,
            # A run that started earlier but writes later never moves last_seen_at back.
            "last_seen_at": func.greatest(Alert.last_seen_at, fresh.last_seen_at),
            "updated_at": fresh.updated_at,
        },
    )
    session.execute(statement)


def _new_row(candidate: AlertCandidate, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": candidate.tenant_id,
        "venue_id": candidate.venue_id,
        "device_id": candidate.device_id,
        "type": candidate.type,
        "severity": candidate.severity,
        "status": AlertStatus.OPEN,
        "dedup_key": candidate.dedup_key,
        "opened_at": now,
        "last_seen_at": now,
        "details": candidate.details,
        "created_at": now,
        "updated_at": now,
    }


def _resolve(session: Session, keys: Sequence[str], now: datetime) -> None:
    session.execute(
        update(Alert)
        .where(Alert.status == AlertStatus.OPEN, Alert.dedup_key.in_(keys))
        .values(status=AlertStatus.RESOLVED, resolved_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _batches(items: Sequence[AlertCandidate], size: int) -> Iterator[Sequence[AlertCandidate]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
