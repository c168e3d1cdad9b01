"""Each alert rule as a pure function of (facts, now, thresholds), at its boundaries."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from signage.alerts.rules import (
    AlertThresholds,
    DeviceFacts,
    baseline_window,
    error_spikes,
    evaluate_rules,
    heartbeat_interval_of,
    low_cache_headroom,
    offline_devices,
    outdated_app_versions,
    recent_window,
    repeated_download_failures,
)
from signage.alerts.versions import newest_version, version_key
from signage.config import Settings
from signage.enums import AlertType, EventSeverity
from signage.scheduling.resolver import next_check_seconds

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TENANT = uuid.UUID(int=1)
VENUE = uuid.UUID(int=2)
DEFAULTS = AlertThresholds()


def device(**facts) -> DeviceFacts:
    """A device reporting a 60 s cadence, so boundaries are exact (the jittered default is
    tested on its own below)."""
    base = {
        "device_id": uuid.uuid4(),
        "tenant_id": TENANT,
        "venue_id": VENUE,
        "paired_at": NOW - timedelta(days=30),
        "last_heartbeat_at": NOW,
        "heartbeat_interval": timedelta(seconds=60),
    }
    return DeviceFacts(**{**base, **facts})


# -- offline ------------------------------------------------------------------------------------


def test_offline_at_exactly_three_missed_intervals_and_not_a_microsecond_before() -> None:
    silent = device(last_heartbeat_at=NOW - timedelta(seconds=180))
    almost = device(last_heartbeat_at=NOW - timedelta(seconds=180) + timedelta(microseconds=1))
    alerts = offline_devices([silent, almost], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [silent.device_id]
    (alert,) = alerts
    assert alert.type is AlertType.DEVICE_OFFLINE
    assert alert.severity is EventSeverity.ERROR
    assert alert.dedup_key == f"DEVICE_OFFLINE:{silent.device_id}"
    assert (alert.tenant_id, alert.venue_id) == (TENANT, VENUE)
    assert alert.details["lastHeartbeatAtUtc"] == (NOW - timedelta(seconds=180)).isoformat()
    assert alert.details["heartbeatIntervalSeconds"] == 60


def test_offline_uses_the_devices_own_interval_when_known() -> None:
    slow = device(
        heartbeat_interval=timedelta(seconds=300), last_heartbeat_at=NOW - timedelta(minutes=14)
    )
    fast = device(
        heartbeat_interval=timedelta(seconds=20), last_heartbeat_at=NOW - timedelta(seconds=60)
    )
    alerts = offline_devices([slow, fast], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [fast.device_id]
    assert alerts[0].details["heartbeatIntervalSeconds"] == 20


def test_by_default_a_device_is_given_the_poll_interval_its_manifests_carry() -> None:
    """nextCheckSeconds: the poll base with a stable per-device jitter within 10 % (§27.8.1);
    the player heartbeats on that cadence (§27.8.2), so three of its own intervals it is."""
    intervals = []
    for n in range(200):
        facts = device(device_id=uuid.UUID(int=n), heartbeat_interval=None)
        interval = heartbeat_interval_of(facts, DEFAULTS)
        far = NOW + timedelta(days=1)
        assert interval == timedelta(seconds=next_check_seconds(facts.device_id, NOW, far, 60))
        assert timedelta(seconds=54) <= interval <= timedelta(seconds=66)
        silent_at = replace(facts, last_heartbeat_at=NOW - 3 * interval)
        almost = replace(facts, last_heartbeat_at=NOW - 3 * interval + timedelta(microseconds=1))
        assert len(offline_devices([silent_at, almost], NOW, DEFAULTS)) == 1
        intervals.append(interval)
    assert len(set(intervals)) > 5  # a fleet does not heartbeat in lockstep


def test_offline_threshold_follows_the_configured_number_of_intervals() -> None:
    quiet = device(last_heartbeat_at=NOW - timedelta(seconds=120))
    assert offline_devices([quiet], NOW, DEFAULTS) == []
    two = replace(DEFAULTS, missed_heartbeats=2)
    assert len(offline_devices([quiet], NOW, two)) == 1


def test_a_device_that_never_reported_is_offline_three_intervals_after_pairing() -> None:
    fresh = device(last_heartbeat_at=None, paired_at=NOW - timedelta(seconds=179))
    stale = device(last_heartbeat_at=None, paired_at=NOW - timedelta(seconds=180))
    alerts = offline_devices([fresh, stale], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [stale.device_id]
    assert alerts[0].details["lastHeartbeatAtUtc"] is None


def test_offline_details_do_not_change_while_the_device_stays_silent() -> None:
    # A refresh then rewrites nothing but last_seen_at.
    silent = device(last_heartbeat_at=NOW - timedelta(minutes=10))
    first = offline_devices([silent], NOW, DEFAULTS)
    later = offline_devices([silent], NOW + timedelta(hours=3), DEFAULTS)
    assert first == later


def test_a_heartbeat_from_the_future_is_not_offline() -> None:
    assert (
        offline_devices([device(last_heartbeat_at=NOW + timedelta(minutes=5))], NOW, DEFAULTS) == []
    )


# -- error spikes -------------------------------------------------------------------------------


def test_windows_are_the_last_hour_and_the_24_hours_before_it() -> None:
    recent, baseline = recent_window(NOW), baseline_window(NOW)
    assert recent.contains(NOW)
    assert not recent.contains(NOW - timedelta(hours=1))
    assert recent.contains(NOW - timedelta(hours=1) + timedelta(microseconds=1))
    assert baseline.contains(NOW - timedelta(hours=1))
    assert baseline.contains(NOW - timedelta(hours=25) + timedelta(microseconds=1))
    assert not baseline.contains(NOW - timedelta(hours=25))
    assert baseline.end == recent.start


def test_with_a_zero_baseline_the_minimum_count_decides() -> None:
    four = device(errors_recent=4, errors_baseline=0)
    five = device(errors_recent=5, errors_baseline=0)
    alerts = error_spikes([four, five], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [five.device_id]
    assert alerts[0].details == {"errorsLastHour": 5, "baselineErrorsPerHour": 0.0}
    assert alerts[0].severity is EventSeverity.ERROR


def test_a_spike_is_three_times_the_hourly_baseline_or_more() -> None:
    # 48 errors over the previous 24 h = 2 an hour; three times that is 6.
    at_factor = device(errors_recent=6, errors_baseline=48)
    below_factor = device(errors_recent=5, errors_baseline=48)
    alerts = error_spikes([at_factor, below_factor], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [at_factor.device_id]
    assert alerts[0].details["baselineErrorsPerHour"] == 2.0


def test_a_noisy_device_at_its_usual_rate_is_not_a_spike() -> None:
    usual = device(errors_recent=20, errors_baseline=24 * 20)
    assert error_spikes([usual], NOW, DEFAULTS) == []


def test_the_minimum_count_applies_even_above_the_factor() -> None:
    # A baseline of one error a day: two errors now is 48 times the rate, but only two errors.
    assert error_spikes([device(errors_recent=2, errors_baseline=1)], NOW, DEFAULTS) == []


# -- cache headroom -----------------------------------------------------------------------------


GIB = 1024**3


def test_low_cache_headroom_below_five_percent_free_only() -> None:
    total = 100 * GIB
    at_limit = device(cache_total_bytes=total, cache_used_bytes=95 * GIB)
    below = device(cache_total_bytes=total, cache_used_bytes=95 * GIB + 1)
    alerts = low_cache_headroom([at_limit, below], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [below.device_id]
    assert alerts[0].severity is EventSeverity.WARNING
    assert alerts[0].details["freeBytes"] == 5 * GIB - 1
    assert alerts[0].details["totalBytes"] == total


def test_cache_over_budget_is_low_headroom() -> None:
    over = device(cache_total_bytes=GIB, cache_used_bytes=2 * GIB)
    (alert,) = low_cache_headroom([over], NOW, DEFAULTS)
    assert alert.details["freeBytes"] == -GIB


def test_cache_total_falls_back_to_the_device_budget_and_unknown_usage_is_not_judged() -> None:
    budgeted = device(cache_total_bytes=None, cache_budget_bytes=2 * GIB, cache_used_bytes=2 * GIB)
    unknown = device(cache_total_bytes=2 * GIB, cache_used_bytes=None)
    nothing = device(cache_total_bytes=None, cache_budget_bytes=None, cache_used_bytes=5)
    alerts = low_cache_headroom([budgeted, unknown, nothing], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [budgeted.device_id]


# -- download failures --------------------------------------------------------------------------


def test_repeated_download_failures_from_the_configured_count() -> None:
    two = device(download_failures_recent=2)
    three = device(download_failures_recent=3)
    alerts = repeated_download_failures([two, three], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [three.device_id]
    assert alerts[0].details == {"downloadFailuresLastHour": 3}
    assert alerts[0].type is AlertType.REPEATED_DOWNLOAD_FAILURES


# -- app versions -------------------------------------------------------------------------------


def test_devices_behind_the_newest_version_of_their_tenant_are_flagged_as_info() -> None:
    other_tenant = uuid.UUID(int=99)
    newest = device(app_version="1.10.0")
    behind = device(app_version="1.9.3")
    same = device(app_version="1.10")  # equal to 1.10.0
    elsewhere = device(tenant_id=other_tenant, app_version="1.0.0")  # alone in its tenant
    alerts = outdated_app_versions([newest, behind, same, elsewhere], NOW, DEFAULTS)
    assert [a.device_id for a in alerts] == [behind.device_id]
    assert alerts[0].severity is EventSeverity.INFO
    assert alerts[0].details == {
        "appVersion": "1.9.3",
        "newestVersionInTenant": "1.10.0",
        "minimumVersion": None,
    }


def test_devices_below_the_configured_minimum_are_warnings_even_when_newest() -> None:
    thresholds = replace(DEFAULTS, minimum_app_version="2.0")
    only = device(app_version="1.9.0")
    (alert,) = outdated_app_versions([only], NOW, thresholds)
    assert alert.severity is EventSeverity.WARNING
    assert alert.details["minimumVersion"] == "2.0"


def test_versions_without_a_number_are_not_judged() -> None:
    fleet = [device(app_version="dev-build"), device(app_version=None), device(app_version="1.0")]
    assert outdated_app_versions(fleet, NOW, replace(DEFAULTS, minimum_app_version="1.0")) == []


@pytest.mark.parametrize(
    ("version", "key"),
    [
        ("1.2.0", (1, 2)),
        ("1.2", (1, 2)),
        ("v1.2.10-beta+7", (1, 2, 10)),
        ("0.0", (0,)),
        ("10", (10,)),
        ("beta", None),
        ("", None),
        (None, None),
    ],
)
def test_version_key(version: str | None, key: tuple[int, ...] | None) -> None:
    assert version_key(version) == key


def test_newest_version_orders_numerically() -> None:
    assert newest_version(["1.9.0", "1.10.0", None, "x", "1.2"]) == "1.10.0"
    assert newest_version([None, "x"]) is None


# -- all rules ----------------------------------------------------------------------------------


def test_evaluate_rules_gives_every_true_alert_once_ordered_by_key() -> None:
    troubled = device(
        last_heartbeat_at=NOW - timedelta(hours=1),
        errors_recent=9,
        download_failures_recent=4,
        cache_total_bytes=100,
        cache_used_bytes=100,
        app_version="1.0.0",
    )
    healthy = device(app_version="1.1.0")
    alerts = evaluate_rules([troubled, healthy], NOW, DEFAULTS)
    assert {a.type for a in alerts} == set(AlertType)
    assert {a.device_id for a in alerts} == {troubled.device_id}
    keys = [a.dedup_key for a in alerts]
    assert keys == sorted(set(keys))


def test_thresholds_come_from_settings() -> None:
    settings = Settings(
        manifest_poll_seconds=30,
        alert_missed_heartbeats=4,
        alert_error_spike_min_count=2,
        alert_error_spike_factor=1.5,
        alert_cache_min_free_percent=10,
        alert_download_failures_per_hour=7,
        alert_minimum_app_version="1.4",
    )
    assert AlertThresholds.from_settings(settings) == AlertThresholds(
        heartbeat_interval=timedelta(seconds=30),
        missed_heartbeats=4,
        error_spike_min_count=2,
        error_spike_factor=1.5,
        cache_min_free_ratio=0.1,
        download_failures_per_hour=7,
        minimum_app_version="1.4",
    )
    assert AlertThresholds.from_settings(Settings()) == DEFAULTS


def test_a_minimum_version_without_a_number_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="alert_minimum_app_version"):
        Settings(alert_minimum_app_version="latest")
