"""Retention rules for short-lived rows (§34.12): pure selection by time, run by pipelines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from signage.db.models import EditorPresence


def prune_expired_presence(session: Session, now: datetime) -> int:
    """Delete presence announcements whose TTL has passed (§26.12); returns how many."""
    result = session.execute(delete(EditorPresence).where(EditorPresence.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
