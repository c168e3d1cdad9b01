"""Alert rules (§21 "Alerts: offline devices, error trends", §29.4.10 "offline detection, error
pattern flagging, low disk / repeated download failures").

Each rule is a pure function of the fleet's telemetry facts, the time and the thresholds, and
returns the alerts that are true at that time. What happens to alerts that stop being true is
the reconcile step's business (`signage.alerts.reconcile`), not the rules'.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from signage.alerts.versions import newest_version, version_key
from signage.config import Settings
from signage.enums import AlertType, EventSeverity
from signage.scheduling.resolver import next_check_seconds

# §21 "error trends": the last hour against the device's own previous day.
RECENT_SPAN = timedelta(hours=1)
BASELINE_SPAN = timedelta(hours=24)
# Any instant with no manifest boundary within a poll interval: nextCheckSeconds uncapped.
_FAR_FROM_BOUNDARIES = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 2, tzinfo=UTC))


@dataclass(frozen=True)
class TimeWindow:
    """(start, end]: open at the start so that back-to-back windows never share an instant."""

    start: datetime
    end: datetime

    def contains(self, instant: datetime) -> bool:
        return self.start < instant <= self.end


def recent_window(now: datetime) -> TimeWindow:
    """The last hour, ending now."""
    return TimeWindow(now - RECENT_SPAN, now)


def baseline_window(now: datetime) -> TimeWindow:
    """The 24 hours before the last hour: what is normal for a device."""
    recent = recent_window(now)
    return TimeWindow(recent.start - BASELINE_SPAN, recent.start)


@dataclass(frozen=True)
class AlertThresholds:
    """When a fact becomes an alert. Defaults are the Settings defaults (SIGNAGE_ALERT_*)."""

    # The poll base of manifests, before each device's jitter; players heartbeat on the same
    # cadence (§27.8.2 "aligned with nextCheckSeconds").
    heartbeat_interval: timedelta = timedelta(seconds=60)
    missed_heartbeats: int = 3  # issue 8: "no heartbeat for 3 intervals"
    error_spike_min_count: int = 5
    error_spike_factor: float = 3.0
    # §11.2 evicts at 90 % used; under 5 % free means eviction could not make room.
    cache_min_free_ratio: float = 0.05
    download_failures_per_hour: int = 3
    minimum_app_version: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertThresholds:
        return cls(
            heartbeat_interval=timedelta(seconds=settings.manifest_poll_seconds),
            missed_heartbeats=settings.alert_missed_heartbeats,
            error_spike_min_count=settings.alert_error_spike_min_count,
            error_spike_factor=settings.alert_error_spike_factor,
            cache_min_free_ratio=settings.alert_cache_min_free_percent / 100,
            download_failures_per_hour=settings.alert_download_failures_per_hour,
            minimum_app_version=settings.alert_minimum_app_version,
        )


@dataclass(frozen=True)
class DeviceFacts:
    """What the platform knows about one active device at evaluation time.

    Event counts are already windowed (`recent_window`, `baseline_window`) by whoever gathered
    them, so a rule never needs the raw events.
    """

    device_id: uuid.UUID
    tenant_id: uuid.UUID
    venue_id: uuid.UUID
    paired_at: datetime
    last_heartbeat_at: datetime | None = None
    # The device's heartbeat cadence when it reports one; None: what manifests tell it.
    heartbeat_interval: timedelta | None = None
    app_version: str | None = None
    cache_total_bytes: int | None = None
    cache_used_bytes: int | None = None
    cache_budget_bytes: int | None = None
    errors_recent: int = 0
    errors_baseline: int = 0
    download_failures_recent: int = 0


@dataclass(frozen=True)
class AlertCandidate:
    """An alert that is true now. `dedup_key` names the problem: one open alert per key."""

    dedup_key: str
    type: AlertType
    severity: EventSeverity
    tenant_id: uuid.UUID
    venue_id: uuid.UUID
    device_id: uuid.UUID | None
    details: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[Sequence[DeviceFacts], datetime, AlertThresholds], list[AlertCandidate]]


def dedup_key(alert_type: AlertType, device_id: uuid.UUID) -> str:
    """One open alert per kind of problem per device (device ids are unique across tenants)."""
    return f"{alert_type.value}:{device_id}"


def _device_alert(
    device: DeviceFacts,
    alert_type: AlertType,
    severity: EventSeverity,
    details: dict[str, Any],
) -> AlertCandidate:
    return AlertCandidate(
        dedup_key=dedup_key(alert_type, device.device_id),
        type=alert_type,
        severity=severity,
        tenant_id=device.tenant_id,
        venue_id=device.venue_id,
        device_id=device.device_id,
        details=details,
    )


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


# -- offline (§21, §29.4.10) --------------------------------------------------------------------


def offline_devices(
    fleet: Sequence[DeviceFacts], now: datetime, thresholds: AlertThresholds
) -> list[AlertCandidate]:
    """Devices silent for `missed_heartbeats` of their intervals or longer. A device that never
    sent a heartbeat is counted from when it was paired."""
    return [_offline_alert(d, now, thresholds) for d in fleet if is_silent(d, now, thresholds)]


def heartbeat_interval_of(device: DeviceFacts, thresholds: AlertThresholds) -> timedelta:
    """The device's own heartbeat cadence: reported, else the nextCheckSeconds its manifests
    carry, i.e. the poll base moved by the device's stable jitter of up to 10 % (§27.8.1).
    Near a manifest boundary the player is told to check sooner, never later, so this is the
    longest it waits between heartbeats when all is well."""
    if device.heartbeat_interval is not None:
        return device.heartbeat_interval
    base = round(thresholds.heartbeat_interval.total_seconds())
    now, far = _FAR_FROM_BOUNDARIES
    return timedelta(seconds=next_check_seconds(device.device_id, now, far, base))


def is_silent(device: DeviceFacts, now: datetime, thresholds: AlertThresholds) -> bool:
    last_sign_of_life = device.last_heartbeat_at or device.paired_at
    allowed = thresholds.missed_heartbeats * heartbeat_interval_of(device, thresholds)
    return now - last_sign_of_life >= allowed


def _offline_alert(
    device: DeviceFacts, now: datetime, thresholds: AlertThresholds
) -> AlertCandidate:
    # Only facts that stay put while the device stays silent, so a refresh rewrites nothing.
    interval = heartbeat_interval_of(device, thresholds)
    details = {
        "lastHeartbeatAtUtc": _iso(device.last_heartbeat_at),
        "pairedAtUtc": _iso(device.paired_at),
        "heartbeatIntervalSeconds": int(interval.total_seconds()),
        "missedHeartbeats": thresholds.missed_heartbeats,
    }
    return _device_alert(device, AlertType.DEVICE_OFFLINE, EventSeverity.ERROR, details)


# -- error spikes (§21 "error trends") -----------------------------------------------------------


def error_spikes(
    fleet: Sequence[DeviceFacts], now: datetime, thresholds: AlertThresholds
) -> list[AlertCandidate]:
    """ERROR events of the last hour at `error_spike_factor` times the device's hourly rate over
    the previous 24 h or more, and at least `error_spike_min_count` of them (so a quiet device's
    single error is not a spike). A baseline of zero leaves only the minimum count."""
    return [_spike_alert(d) for d in fleet if is_error_spike(d, thresholds)]


def baseline_per_hour(device: DeviceFacts) -> float:
    return device.errors_baseline / (BASELINE_SPAN / RECENT_SPAN)


def is_error_spike(device: DeviceFacts, thresholds: AlertThresholds) -> bool:
    if device.errors_recent < thresholds.error_spike_min_count:
        return False
    # Compared in whole hours of baseline so that integer counts stay exact.
    hours = BASELINE_SPAN / RECENT_SPAN
    return device.errors_recent * hours >= thresholds.error_spike_factor * device.errors_baseline


def _spike_alert(device: DeviceFacts) -> AlertCandidate:
    details = {
        "errorsLastHour": device.errors_recent,
        "baselineErrorsPerHour": round(baseline_per_hour(device), 3),
    }
    return _device_alert(device, AlertType.ERROR_SPIKE, EventSeverity.ERROR, details)


# -- cache headroom (§11, §29.4.10 "low disk") ---------------------------------------------------


def low_cache_headroom(
    fleet: Sequence[DeviceFacts], now: datetime, thresholds: AlertThresholds
) -> list[AlertCandidate]:
    """Devices whose last heartbeat reported less than `cache_min_free_ratio` of the cache free.
    The total is the reported budget, else the device record's (§11.1)."""
    return [_cache_alert(d) for d in fleet if has_low_headroom(d, thresholds)]


def has_low_headroom(device: DeviceFacts, thresholds: AlertThresholds) -> bool:
    usage = cache_usage(device)
    if usage is None:
        return False
    used, total = usage
    return total - used < thresholds.cache_min_free_ratio * total


def cache_usage(device: DeviceFacts) -> tuple[int, int] | None:
    """(used, total) bytes, or None when the device has not reported a usable figure."""
    total = device.cache_total_bytes or device.cache_budget_bytes
    if device.cache_used_bytes is None or not total or total <= 0:
        return None
    return device.cache_used_bytes, total


def _cache_alert(device: DeviceFacts) -> AlertCandidate:
    usage = cache_usage(device)
    assert usage is not None  # only called for devices with low headroom
    used, total = usage
    free = total - used
    details = {
        "usedBytes": used,
        "totalBytes": total,
        "freeBytes": free,
        "freePercent": round(100 * free / total, 2),
    }
    return _device_alert(device, AlertType.LOW_CACHE_HEADROOM, EventSeverity.WARNING, details)


# -- download failures (§29.4.10 "repeated download failures") -----------------------------------


def repeated_download_failures(
    fleet: Sequence[DeviceFacts], now: datetime, thresholds: AlertThresholds
) -> list[AlertCandidate]:
    """`download_failures_per_hour` or more DOWNLOAD_FAILED events in the last hour."""
    return [
        _device_alert(
            d,
            AlertType.REPEATED_DOWNLOAD_FAILURES,
            EventSeverity.WARNING,
            {"downloadFailuresLastHour": d.download_failures_recent},
        )
        for d in fleet
        if d.download_failures_recent >= thresholds.download_failures_per_hour
    ]


# -- app versions (§20 "devices report app versions for monitoring") ----------------------------


def outdated_app_versions(
    fleet: Sequence[DeviceFacts], now: datetime, thresholds: AlertThresholds
) -> list[AlertCandidate]:
    """Devices below the newest version any active device of their tenant runs (INFO), or below
    the configured minimum (WARNING). Versions without a number are not judged."""
    newest = _newest_by_tenant(fleet)
    minimum = version_key(thresholds.minimum_app_version)
    alerts = []
    for device in fleet:
        installed = version_key(device.app_version)
        if installed is None:
            continue
        tenant_newest = newest.get(device.tenant_id)
        newest_key = version_key(tenant_newest)
        below_newest = newest_key is not None and installed < newest_key
        below_minimum = minimum is not None and installed < minimum
        if below_newest or below_minimum:
            severity = EventSeverity.WARNING if below_minimum else EventSeverity.INFO
            details = {
                "appVersion": device.app_version,
                "newestVersionInTenant": tenant_newest,
                "minimumVersion": thresholds.minimum_app_version,
            }
            alerts.append(_device_alert(device, AlertType.OUTDATED_APP_VERSION, severity, details))
    return alerts


def _newest_by_tenant(fleet: Sequence[DeviceFacts]) -> dict[uuid.UUID, str | None]:
    versions: dict[uuid.UUID, list[str | None]] = {}
    for device in fleet:
        versions.setdefault(device.tenant_id, []).append(device.app_version)
    return {tenant: newest_version(seen) for tenant, seen in versions.items()}


# -- all rules ----------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    offline_devices,
    error_spikes,
    low_cache_headroom,
    repeated_download_failures,
    outdated_app_versions,
)


def evaluate_rules(
    fleet: Sequence[DeviceFacts], now: datetime, thresholds: AlertThresholds
) -> list[AlertCandidate]:
    """Every alert that is true now, one per dedup key, ordered by key (a stable lock order
    for the writes that follow)."""
    by_key = {c.dedup_key: c for rule in RULES for c in rule(fleet, now, thresholds)}
    return [by_key[key] for key in sorted(by_key)]
