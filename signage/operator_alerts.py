"""The platform's own alerts for its operators (issue 17 item 1): a failed Dagster run opens
(or repeats) one alert per job, and the job's next success resolves it. They belong to no tenant;
operators see them in /metrics (`signage_operator_alerts_open`) and Dagster's logs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from signage.db.models import OperatorAlert

OPEN = OperatorAlert.resolved_at.is_(None)


def raise_operator_alert(
    session: Session, key: str, kind: str, summary: str, details: dict[str, Any], now: datetime
) -> None:
    """Open the alert for `key`, or count one more occurrence of the open one."""
    statement = insert(OperatorAlert).values(
        dedup_key=key,
        kind=kind,
        summary=summary[:500],
        details=details,
        occurrences=1,
        opened_at=now,
        last_seen_at=now,
        created_at=now,
        updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[OperatorAlert.dedup_key],
        index_where=OPEN,
        set_={
            "occurrences": OperatorAlert.occurrences + 1,
            "summary": statement.excluded.summary,
            "details": statement.excluded.details,
            "last_seen_at": statement.excluded.last_seen_at,
            "updated_at": statement.excluded.updated_at,
        },
    )
    session.execute(statement)


def resolve_operator_alert(session: Session, key: str, now: datetime) -> bool:
    resolved = session.execute(
        update(OperatorAlert)
        .where(OperatorAlert.dedup_key == key, OPEN)
        .values(resolved_at=now, updated_at=now)
    )
    return bool(resolved.rowcount)  # type: ignore[attr-defined]


def open_counts_by_kind(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OperatorAlert.kind, func.count()).where(OPEN).group_by(OperatorAlert.kind)
    )
    return {kind: count for kind, count in rows}
