"""Retry timing, webhook signatures and webhook URL rules (issue 17 item 2, "Bad input")."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from signage.config import Environment
from signage.notifications.policy import NotificationPolicy
from signage.notifications.retries import next_attempt_at
from signage.notifications.signing import new_secret, signature, verify
from signage.notifications.urls import url_problem

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
POLICY = NotificationPolicy()


def test_retries_back_off_exponentially_with_jitter_up_to_an_hour() -> None:
    rng = random.Random(7)
    give_up = NOW + timedelta(hours=24)
    delays = []
    for failures in range(1, 12):
        when = next_attempt_at(failures, NOW, give_up, POLICY, rng)
        assert when is not None
        delays.append(when - NOW)
    ceilings = [min(timedelta(seconds=30) * 2 ** (n - 1), timedelta(hours=1)) for n in range(1, 12)]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len({d.total_seconds() for d in delays}) == len(delays)  # jittered


def test_no_retry_is_scheduled_past_the_give_up_time() -> None:
    give_up = NOW + timedelta(minutes=10)
    assert next_attempt_at(10, NOW, give_up, POLICY, random.Random(1)) is None


def test_a_signature_covers_timestamp_and_body_and_refuses_replays() -> None:
    secret = new_secret()
    body = b'{"kind":"OPENED"}'
    signed = signature(secret, 1_000, body)
    assert verify(secret, 1_000, body, signed, now=1_100, tolerance=300)
    assert not verify(secret, 1_000, body + b" ", signed, now=1_100, tolerance=300)
    assert not verify(secret, 1_001, body, signed, now=1_100, tolerance=300)
    assert not verify(secret, 1_000, body, signed, now=2_000, tolerance=300)  # a replay


@pytest.mark.parametrize(
    ("url", "environment", "problem"),
    [
        ("https://hooks.example.com/x", Environment.PRODUCTION, None),
        ("http://hooks.example.com/x", Environment.PRODUCTION, "must use HTTPS"),
        ("http://127.0.0.1:8080/x", Environment.DEVELOPMENT, None),
        ("https://127.0.0.1/x", Environment.PRODUCTION, "private"),
        ("https://localhost/x", Environment.PRODUCTION, "private"),
        ("https://169.254.169.254/latest/meta-data", Environment.PRODUCTION, "private"),
        ("https://10.0.0.5/x", Environment.PRODUCTION, "private"),
        ("https://[::1]/x", Environment.PRODUCTION, "private"),
        ("https://[::ffff:192.168.1.1]/x", Environment.PRODUCTION, "private"),
        ("https://metadata.internal/x", Environment.PRODUCTION, "private"),
        ("https://user:pw@hooks.example.com/x", Environment.PRODUCTION, "credentials"),
        ("ftp://hooks.example.com/x", Environment.DEVELOPMENT, "absolute"),
        ("https://hooks.example.com/" + "a" * 2000, Environment.DEVELOPMENT, "2000"),
    ],
)
def test_webhook_urls(url: str, environment: Environment, problem: str | None) -> None:
    found = url_problem(url, environment)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
