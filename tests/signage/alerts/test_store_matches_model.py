"""The SQL shell (signage.alerts.store) leaves the alerts table exactly as the pure model
(reconcile_records) says, over random sequences of evaluations on a real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from signage.alerts.reconcile import AlertRecord, plan_reconcile, reconcile_records
from signage.alerts.rules import AlertCandidate, dedup_key
from signage.alerts.store import apply_plan, open_alert_keys
from signage.db.engine import Database
from signage.db.models import Alert, Device
from signage.enums import AlertType, EventSeverity
from tests.support.demo import Demo

START = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def device_ids(database: Database, demo: Demo) -> list[uuid.UUID]:
    with database.unit_of_work() as session:
        devices = [
            Device(tenant_id=demo.tenant_id, venue_id=demo.fortescue_id, name=f"d{n}")
            for n in range(2)
        ]
        session.add_all(devices)
        session.flush()
        return [d.id for d in devices]


def candidate_sets(demo_ids: tuple[uuid.UUID, uuid.UUID], devices: list[uuid.UUID]):
    tenant_id, venue_id = demo_ids

    @st.composite
    def one(draw: st.DrawFn) -> AlertCandidate:
        alert_type = draw(st.sampled_from([AlertType.DEVICE_OFFLINE, AlertType.ERROR_SPIKE]))
        device_id = draw(st.sampled_from(devices))
        return AlertCandidate(
            dedup_key(alert_type, device_id),
            alert_type,
            draw(st.sampled_from(EventSeverity)),
            tenant_id,
            venue_id,
            device_id,
            {"n": draw(st.integers(0, 2))},
        )

    return st.lists(st.lists(one(), max_size=4), min_size=1, max_size=6)


Snapshot = tuple[object, ...]  # sorted by repr: rows may tie on everything but dicts


def _model_rows(records: list[AlertRecord]) -> list[Snapshot]:
    rows = [
        (
            r.dedup_key,
            r.status,
            r.candidate.severity,
            r.candidate.details,
            r.opened_at,
            r.last_seen_at,
            r.resolved_at,
        )
        for r in records
    ]
    return sorted(rows, key=repr)


def _table_rows(database: Database) -> list[Snapshot]:
    with database.sessions() as session:
        rows = [
            (
                a.dedup_key,
                a.status,
                a.severity,
                a.details,
                a.opened_at,
                a.last_seen_at,
                a.resolved_at,
            )
            for a in session.scalars(select(Alert))
        ]
    return sorted(rows, key=repr)


def test_sql_reconcile_matches_the_pure_model(
    database: Database, demo: Demo, device_ids: list[uuid.UUID]
) -> None:
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(history=candidate_sets((demo.tenant_id, demo.fortescue_id), device_ids))
    def check(history: list[list[AlertCandidate]]) -> None:
        with database.unit_of_work() as session:
            session.execute(delete(Alert))
        records: list[AlertRecord] = []
        for minute, true_now in enumerate(history):
            now = START + timedelta(minutes=minute)
            with database.unit_of_work() as session:
                plan = plan_reconcile(open_alert_keys(session), true_now)
                apply_plan(session, plan, now)
            records, _ = reconcile_records(records, true_now, now)
            assert _table_rows(database) == _model_rows(records)

    check()
