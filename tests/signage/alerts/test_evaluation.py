"""Alerts over a simulated fleet on a real PostgreSQL: heartbeats and events written through the
ingest code, evaluations as time (a FakeClock) moves; alerts open, dedupe and resolve."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from signage.alerts.evaluation import evaluate_alerts
from signage.alerts.reconcile import plan_reconcile
from signage.alerts.rules import AlertCandidate, AlertThresholds, dedup_key
from signage.alerts.store import apply_plan
from signage.db.engine import Database
from signage.db.models import Alert, Device, Venue
from signage.enums import (
    AlertStatus,
    AlertType,
    DeviceEventType,
    DeviceLifecycle,
    EventSeverity,
)
from tests.signage.alerts.fleet import GIB, Fleet
from tests.support.clock import FakeClock
from tests.support.demo import Demo

OFFLINE = AlertType.DEVICE_OFFLINE


@pytest.fixture
def fleet(database: Database, clock: FakeClock, demo: Demo) -> Fleet:
    fleet = Fleet(database, clock)
    for name in ("bar", "lounge", "quiet"):
        fleet.add(name, demo.tenant_id, demo.fortescue_id)
    fleet.add("cafe", demo.tenant_id, demo.badger_id)
    fleet.add("elsewhere", demo.other_tenant_id, demo.other_venue_id)
    fleet.beat(*fleet.devices)
    return fleet


ALL = ("bar", "lounge", "quiet", "cafe", "elsewhere")


def test_a_healthy_fleet_has_no_alerts(fleet: Fleet) -> None:
    fleet.tick(600, *ALL)
    summary = fleet.evaluate()
    assert (summary.devices, summary.true_now, summary.opened) == (5, 0, 0)
    assert fleet.alerts() == []


def test_offline_opens_at_three_missed_intervals_dedupes_and_resolves_when_back(
    fleet: Fleet, clock: FakeClock
) -> None:
    others = ("lounge", "quiet", "cafe", "elsewhere")
    last_beat = clock.now
    fleet.tick(fleet.silence_limit("bar") - 1, *others)
    fleet.evaluate()
    assert fleet.alerts("bar") == []

    fleet.tick(1, *others)  # exactly three of its intervals of silence
    assert fleet.evaluate().opened == 1
    (alert,) = fleet.alerts("bar")
    assert (alert.type, alert.status, alert.severity) == (
        OFFLINE,
        AlertStatus.OPEN,
        EventSeverity.ERROR,
    )
    assert alert.opened_at == alert.last_seen_at == clock.now
    assert alert.venue_id == fleet.devices["bar"].venue_id
    assert alert.details["lastHeartbeatAtUtc"] == last_beat.isoformat()

    fleet.tick(120, *others)
    assert fleet.evaluate().refreshed == 1
    (still,) = fleet.alerts("bar")
    assert (still.id, still.opened_at) == (alert.id, alert.opened_at)
    assert still.last_seen_at == clock.now

    fleet.beat("bar")
    fleet.tick(30)
    assert fleet.evaluate().resolved == 1
    (resolved,) = fleet.alerts("bar")
    assert (resolved.id, resolved.status, resolved.resolved_at) == (
        alert.id,
        AlertStatus.RESOLVED,
        clock.now,
    )

    fleet.tick(fleet.silence_limit("bar"), *others)  # silent again: a new alert
    fleet.evaluate()
    first, second = fleet.alerts("bar")
    assert (first.id, first.status) == (alert.id, AlertStatus.RESOLVED)
    assert second.status is AlertStatus.OPEN
    assert second.id != alert.id


def test_a_device_that_never_reported_goes_offline_three_intervals_after_pairing(
    fleet: Fleet, demo: Demo
) -> None:
    fleet.add("unboxed", demo.tenant_id, demo.fortescue_id)
    fleet.tick(fleet.silence_limit("unboxed") - 1, *ALL)
    fleet.evaluate()
    assert fleet.alerts("unboxed") == []
    fleet.tick(1, *ALL)
    fleet.evaluate()
    (alert,) = fleet.alerts("unboxed")
    assert alert.details["lastHeartbeatAtUtc"] is None


def test_evaluating_twice_at_the_same_time_changes_nothing(fleet: Fleet) -> None:
    fleet.tick(600, "cafe", "elsewhere")
    fleet.events("cafe", 6)
    first = fleet.evaluate()
    rows = [_row(a) for a in fleet.alerts()]
    second = fleet.evaluate()
    assert first.opened == 4
    assert (second.opened, second.resolved) == (0, 0)
    assert second.refreshed == first.true_now == second.true_now
    assert [_row(a) for a in fleet.alerts()] == rows


def _row(alert: Alert) -> tuple[object, ...]:
    return (
        alert.id,
        alert.dedup_key,
        alert.status,
        alert.severity,
        alert.opened_at,
        alert.last_seen_at,
        alert.resolved_at,
        alert.details,
    )


def test_error_spike_against_the_devices_own_baseline(fleet: Fleet) -> None:
    fleet.events("bar", 24)  # a day's worth at one an hour, received now
    fleet.tick(2 * 3600, *ALL)
    fleet.events("bar", 2)
    fleet.events("lounge", 4)  # no baseline, but under the minimum of 5
    fleet.evaluate()
    assert fleet.alerts(alert_type=AlertType.ERROR_SPIKE) == []

    fleet.events("bar", 3)  # 5 in the hour: at least 3 x 1/h and the minimum
    fleet.events("lounge", 1, DeviceEventType.DOWNLOAD_FAILED, EventSeverity.WARNING)
    fleet.evaluate()
    (spike,) = fleet.alerts(alert_type=AlertType.ERROR_SPIKE)
    assert spike.device_id == fleet.devices["bar"].device_id
    assert spike.details == {"errorsLastHour": 5, "baselineErrorsPerHour": 1.0}


def test_errors_leave_the_recent_window_exactly_one_hour_after_receipt(fleet: Fleet) -> None:
    fleet.events("quiet", 5)
    fleet.tick(3599, *ALL)
    fleet.evaluate()
    (spike,) = fleet.alerts("quiet", AlertType.ERROR_SPIKE)
    assert spike.status is AlertStatus.OPEN
    fleet.tick(1, *ALL)  # now the events are exactly an hour old: baseline, not recent
    fleet.evaluate()
    (spike,) = fleet.alerts("quiet", AlertType.ERROR_SPIKE)
    assert spike.status is AlertStatus.RESOLVED


def test_repeated_download_failures_and_low_cache_open_and_resolve(
    fleet: Fleet, clock: FakeClock
) -> None:
    fleet.events("cafe", 2, DeviceEventType.DOWNLOAD_FAILED, EventSeverity.WARNING)
    fleet.beat("cafe", cache_total_bytes=2 * GIB, cache_used_bytes=2 * GIB - GIB // 50)
    fleet.evaluate()
    (cache,) = fleet.alerts("cafe")
    assert cache.type is AlertType.LOW_CACHE_HEADROOM
    assert cache.details["freeBytes"] == GIB // 50

    fleet.tick(60, *ALL)  # a healthy heartbeat frees the cache
    fleet.events("cafe", 1, DeviceEventType.DOWNLOAD_FAILED, EventSeverity.WARNING)
    fleet.evaluate()
    cache, downloads = fleet.alerts("cafe")
    assert cache.status is AlertStatus.RESOLVED
    assert (downloads.type, downloads.status) == (
        AlertType.REPEATED_DOWNLOAD_FAILURES,
        AlertStatus.OPEN,
    )
    assert downloads.details == {"downloadFailuresLastHour": 3}

    fleet.tick(3600, *ALL)
    fleet.evaluate()
    assert {a.status for a in fleet.alerts("cafe")} == {AlertStatus.RESOLVED}


def test_outdated_versions_compare_within_the_tenant_only(fleet: Fleet) -> None:
    fleet.beat("bar", app_version="1.3.0")
    fleet.beat("elsewhere", app_version="0.9.0")  # alone in its tenant: newest there
    fleet.evaluate()
    outdated = fleet.alerts(alert_type=AlertType.OUTDATED_APP_VERSION)
    names = {n for n, d in fleet.devices.items() for a in outdated if a.device_id == d.device_id}
    assert names == {"lounge", "quiet", "cafe"}
    assert {a.severity for a in outdated} == {EventSeverity.INFO}

    fleet.tick(60)
    fleet.beat("bar", "lounge", "quiet", "cafe", app_version="1.3")
    fleet.evaluate()
    outdated = fleet.alerts(alert_type=AlertType.OUTDATED_APP_VERSION)
    assert {a.status for a in outdated} == {AlertStatus.RESOLVED}


def test_alerts_of_a_removed_device_or_deleted_venue_resolve(
    fleet: Fleet, database: Database, demo: Demo
) -> None:
    fleet.tick(300, "bar", "lounge", "elsewhere")
    fleet.evaluate()
    assert {a.status for a in fleet.alerts("quiet") + fleet.alerts("cafe")} == {AlertStatus.OPEN}
    with database.unit_of_work() as session:
        session.execute(
            update(Device)
            .where(Device.id == fleet.devices["quiet"].device_id)
            .values(status=DeviceLifecycle.REMOVED)
        )
        session.execute(
            update(Venue).where(Venue.id == demo.badger_id).values(deleted_at=fleet.clock.now)
        )
    fleet.tick(60, "bar", "lounge", "elsewhere")
    summary = fleet.evaluate()
    assert summary.devices == 3
    assert {a.status for a in fleet.alerts("quiet") + fleet.alerts("cafe")} == {
        AlertStatus.RESOLVED
    }


def test_thresholds_are_honoured(fleet: Fleet) -> None:
    fleet.thresholds = replace(AlertThresholds(), heartbeat_interval=timedelta(seconds=20))
    fleet.tick(fleet.silence_limit("cafe"), "bar", "lounge", "quiet", "elsewhere")
    fleet.evaluate()
    (alert,) = fleet.alerts("cafe")
    assert alert.details["heartbeatIntervalSeconds"] * 3 == fleet.silence_limit("cafe")
    assert 18 <= alert.details["heartbeatIntervalSeconds"] <= 22


def test_an_overlapping_evaluation_skips_while_another_runs(
    fleet: Fleet, database: Database, clock: FakeClock
) -> None:
    fleet.tick(600)
    with database.unit_of_work() as running:
        assert not evaluate_alerts(running, clock.now, AlertThresholds()).skipped
        with database.unit_of_work() as overlapping:
            assert evaluate_alerts(overlapping, clock.now, AlertThresholds()).skipped
    assert len(fleet.alerts(alert_type=OFFLINE)) == 5
    assert not fleet.evaluate().skipped


def test_concurrent_reconciles_leave_one_open_row_per_problem(
    fleet: Fleet, database: Database, clock: FakeClock
) -> None:
    """Without the evaluation lock, the unique index over open keys and ON CONFLICT still
    dedupe: every writer believes the alerts are new, and one row per key results."""
    candidates = [
        AlertCandidate(
            dedup_key(alert_type, device.device_id),
            alert_type,
            EventSeverity.WARNING,
            device.tenant_id,
            device.venue_id,
            device.device_id,
        )
        for device in fleet.devices.values()
        for alert_type in AlertType
    ]
    plan = plan_reconcile(set(), candidates)
    writers = 4
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with database.unit_of_work() as session:
                barrier.wait()
                apply_plan(session, plan, clock.now)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(Alert))
        keys = session.scalar(select(func.count(func.distinct(Alert.dedup_key))))
    assert rows == keys == len(candidates)
