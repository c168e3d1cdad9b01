"""Reconciling what is true now with the alerts that are open: open the new, refresh the still
true, resolve the rest. Pure; the database shell (`signage.alerts.store`) applies the same plan
with SQL, and `reconcile_records` is its in-memory twin that the property tests exercise.

Invariants (checked by tests/signage/alerts/test_reconcile_properties.py):
- after a reconcile, exactly the candidates' keys are open, each by one record;
- reconciling twice with the same candidates at the same time changes nothing the second time;
- a resolved record never changes again: a problem that comes back opens a new record.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from signage.alerts.rules import AlertCandidate
from signage.enums import AlertStatus


@dataclass(frozen=True)
class ReconcilePlan:
    to_open: tuple[AlertCandidate, ...]
    to_refresh: tuple[AlertCandidate, ...]
    to_resolve: tuple[str, ...]  # dedup keys of open alerts that are no longer true


@dataclass(frozen=True)
class AlertRecord:
    """One row of the alerts table, as the pure model sees it."""

    alert_id: uuid.UUID
    candidate: AlertCandidate  # what the alert says: kind, severity, where, details
    status: AlertStatus
    opened_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None = None

    @property
    def dedup_key(self) -> str:
        return self.candidate.dedup_key

    @property
    def is_open(self) -> bool:
        return self.status is AlertStatus.OPEN


def plan_reconcile(
    open_keys: Collection[str], candidates: Iterable[AlertCandidate]
) -> ReconcilePlan:
    """What to do so that exactly the candidates are open. A repeated key keeps its last
    candidate; the plan lists keys in sorted order (a stable lock order for the writes)."""
    current = {c.dedup_key: c for c in candidates}
    ordered = [current[key] for key in sorted(current)]
    return ReconcilePlan(
        to_open=tuple(c for c in ordered if c.dedup_key not in open_keys),
        to_refresh=tuple(c for c in ordered if c.dedup_key in open_keys),
        to_resolve=tuple(sorted(set(open_keys) - current.keys())),
    )


def reconcile_records(
    records: Sequence[AlertRecord],
    candidates: Iterable[AlertCandidate],
    now: datetime,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> tuple[list[AlertRecord], ReconcilePlan]:
    """The records after reconciling at `now`, and the plan that got them there."""
    plan = plan_reconcile({r.dedup_key for r in records if r.is_open}, candidates)
    refreshed = {c.dedup_key: c for c in plan.to_refresh}
    resolving = set(plan.to_resolve)
    updated = [_updated(r, refreshed, resolving, now) for r in records]
    opened = [AlertRecord(new_id(), c, AlertStatus.OPEN, now, now) for c in plan.to_open]
    return updated + opened, plan


def _updated(
    record: AlertRecord,
    refreshed: dict[str, AlertCandidate],
    resolving: set[str],
    now: datetime,
) -> AlertRecord:
    if not record.is_open:
        return record
    if record.dedup_key in refreshed:
        # Severity and details follow the latest facts; a late run never moves last_seen back.
        return replace(
            record,
            candidate=refreshed[record.dedup_key],
            last_seen_at=max(record.last_seen_at, now),
        )
    if record.dedup_key in resolving:
        return replace(record, status=AlertStatus.RESOLVED, resolved_at=now)
    return record
