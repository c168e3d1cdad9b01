from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from signage.ratelimit import (
    DEFAULT_LIMITS,
    InProcessRateLimiter,
    Limit,
    LimitCategory,
    effective_limit,
    window_bounds,
)

NOW = datetime(2026, 6, 15, 12, 0, 30, tzinfo=UTC)


def test_defaults_are_the_spec_table() -> None:
    expected = {
        LimitCategory.LOGIN_PER_IP: (10, 60),
        LimitCategory.LOGIN_PER_ACCOUNT: (5, 60),
        LimitCategory.REFRESH_PER_USER: (30, 3600),
        LimitCategory.MUTATION_PER_TENANT: (120, 60),
        LimitCategory.PUBLISH_PER_TENANT: (10, 60),
        LimitCategory.UPLOAD_SESSION_PER_TENANT: (30, 3600),
        LimitCategory.MANIFEST_PER_DEVICE: (2, 60),
        LimitCategory.HEARTBEAT_PER_DEVICE: (2, 60),
        LimitCategory.EVENTS_PER_DEVICE: (6, 60),
        LimitCategory.COMMANDS_PER_DEVICE: (2, 60),
    }
    for category, (requests, window) in expected.items():
        assert DEFAULT_LIMITS[category] == Limit(requests, window)


def test_counts_within_a_window_and_resets_at_its_end() -> None:
    limiter = InProcessRateLimiter()
    limit = Limit(3, 60)
    decisions = [limiter.hit("k", limit, NOW) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after_seconds == 30
    assert decisions[-1].reset_epoch == int(datetime(2026, 6, 15, 12, 1, tzinfo=UTC).timestamp())
    assert limiter.hit("k", limit, NOW + timedelta(seconds=30)).allowed


def test_keys_are_counted_separately() -> None:
    limiter = InProcessRateLimiter()
    limit = Limit(1, 60)
    assert limiter.hit("a", limit, NOW).allowed
    assert limiter.hit("b", limit, NOW).allowed
    assert not limiter.hit("a", limit, NOW).allowed


def test_window_bounds_align_to_the_window() -> None:
    start, end = window_bounds(Limit(10, 3600), NOW)
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 6, 15, 12, tzinfo=UTC)
    assert end - start == 3600


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (None, Limit(120, 60)),
        ({"mutationPerTenant": {"requests": 500}}, Limit(500, 60)),
        ({"mutationPerTenant": {"requests": 50, "windowSeconds": 10}}, Limit(50, 10)),
        ({"mutationPerTenant": "garbage"}, Limit(120, 60)),
    ],
)
def test_tenant_overrides_replace_the_default(override, expected) -> None:
    assert effective_limit(LimitCategory.MUTATION_PER_TENANT, override) == expected


def test_ended_windows_are_forgotten_and_the_current_ones_keep_counting() -> None:
    """A fleet makes a counter per screen and window: the table stays about the size of the
    current windows (not every hit scans it), and no current count is lost."""
    limiter = InProcessRateLimiter(sweep_floor=10)
    limit = Limit(2, 60)
    for screen in range(50):
        limiter.hit(f"screen-{screen}", limit, NOW)
    next_minute = NOW + timedelta(seconds=60)
    assert limiter.hit("screen-0", limit, next_minute).allowed
    for screen in range(1, 50):
        limiter.hit(f"screen-{screen}", limit, next_minute)
    assert len(limiter) <= 2 * 50  # last minute's 50 were swept once they had ended
    assert limiter.hit("screen-0", limit, next_minute).remaining == 0  # its 2nd this minute
    assert not limiter.hit("screen-0", limit, next_minute).allowed


def test_a_sweep_keeps_the_windows_that_have_not_ended() -> None:
    limiter = InProcessRateLimiter(sweep_floor=4)
    hourly, minutely = Limit(1, 3600), Limit(100, 60)
    assert limiter.hit("login", hourly, NOW).allowed
    for n in range(10):  # many minutes pass: sweeps run, the hour is not over
        limiter.hit(f"k{n}", minutely, NOW + timedelta(minutes=n))
    assert not limiter.hit("login", hourly, NOW + timedelta(minutes=10)).allowed
