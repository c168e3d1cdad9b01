"""When to poll next (§28.6, §10, §27.1 rate limiting), as pure arithmetic over time.

Normal cadence follows `nextCheckSeconds`; near `validToUtc` the player checks earlier;
failures back off exponentially with jitter; a server's Retry-After is never undercut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_CHECK_SECONDS = 60.0  # §28.6 "every ~60s" before any manifest has been seen
MIN_DELAY_SECONDS = 1.0
EXPIRED_RECHECK_SECONDS = 10.0  # once past validToUtc, keep asking often for fresh content
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0


@dataclass(frozen=True)
class SyncInputs:
    """Everything the next-poll decision depends on; `jitter` is a uniform draw in [0, 1)."""

    now: datetime
    next_check_seconds: float | None
    valid_to_utc: datetime | None
    consecutive_failures: int
    retry_after_seconds: float | None
    jitter: float


def backoff_seconds(consecutive_failures: int, jitter: float) -> float:
    """Exponential backoff with jitter: 2, 4, 8, ... capped at 300 s, scaled into [50%, 100%].

    Jitter spreads a fleet that went offline together so it does not return in lockstep.
    """
    exponent = min(max(consecutive_failures - 1, 0), 16)
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * float(2**exponent))
    return max(MIN_DELAY_SECONDS, ceiling * (0.5 + 0.5 * jitter))


def next_poll_delay(inputs: SyncInputs) -> float:
    """Seconds until the next manifest poll."""
    if inputs.consecutive_failures > 0:
        delay = backoff_seconds(inputs.consecutive_failures, inputs.jitter)
    else:
        delay = _healthy_delay(inputs)
    if inputs.retry_after_seconds is not None:
        delay = max(delay, inputs.retry_after_seconds)  # the server asked us to wait (§27.1)
    return delay


def _healthy_delay(inputs: SyncInputs) -> float:
    cadence = max(MIN_DELAY_SECONDS, inputs.next_check_seconds or DEFAULT_CHECK_SECONDS)
    if inputs.valid_to_utc is None:
        return cadence
    until_expiry = (inputs.valid_to_utc - inputs.now).total_seconds()
    if until_expiry <= 0:
        return min(cadence, EXPIRED_RECHECK_SECONDS)
    # §28.6 "near expiry: more frequent checks": be there when the manifest expires.
    return max(MIN_DELAY_SECONDS, min(cadence, until_expiry))
