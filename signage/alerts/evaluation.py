"""One evaluation of the alert rules over the whole fleet, as the Dagster schedule runs it every
minute (§29.7 Telemetry step 3: "Alerts process flags issues"). Does not commit: the caller's
unit of work does, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.alerts.facts import load_fleet_facts
from signage.alerts.reconcile import plan_reconcile
from signage.alerts.rules import AlertThresholds, evaluate_rules
from signage.alerts.store import apply_plan, open_alert_keys

# A transaction-scoped advisory lock: while one evaluation runs, an overlapping one (a slow
# run meeting the next minute's) skips instead of reconciling stale facts over fresh ones.
EVALUATION_LOCK_KEY = 0x516E_A1E7


@dataclass(frozen=True)
class EvaluationSummary:
    devices: int = 0
    true_now: int = 0
    opened: int = 0
    refreshed: int = 0
    resolved: int = 0
    skipped: bool = False  # another evaluation held the lock


def evaluate_alerts(
    session: Session, now: datetime, thresholds: AlertThresholds
) -> EvaluationSummary:
    """Open, refresh and resolve alerts so that the open ones are exactly what is true at
    `now`. Idempotent: a second evaluation at the same time and facts changes nothing."""
    if not _try_lock(session):
        return EvaluationSummary(skipped=True)
    fleet = load_fleet_facts(session, now)
    candidates = evaluate_rules(fleet, now, thresholds)
    plan = plan_reconcile(open_alert_keys(session), candidates)
    apply_plan(session, plan, now)
    return EvaluationSummary(
        devices=len(fleet),
        true_now=len(candidates),
        opened=len(plan.to_open),
        refreshed=len(plan.to_refresh),
        resolved=len(plan.to_resolve),
    )


def _try_lock(session: Session) -> bool:
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(EVALUATION_LOCK_KEY))))
