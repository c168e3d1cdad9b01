"""Rate limits of §27.1 as one reusable component: fixed windows counted in-process or in Redis
(shared by every API replica), with per-tenant overrides (§27.1 last line)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class LimitCategory(StrEnum):
    """Rows of the §27.1 default limits table (and the extensions documented beside them)."""

    LOGIN_PER_IP = "loginPerIp"
    LOGIN_PER_ACCOUNT = "loginPerAccount"
    REFRESH_PER_USER = "refreshPerUser"
    MUTATION_PER_TENANT = "mutationPerTenant"
    PUBLISH_PER_TENANT = "publishPerTenant"
    UPLOAD_SESSION_PER_TENANT = "uploadSessionPerTenant"
    MANIFEST_PER_DEVICE = "manifestPerDevice"
    HEARTBEAT_PER_DEVICE = "heartbeatPerDevice"
    EVENTS_PER_DEVICE = "eventsPerDevice"
    COMMANDS_PER_DEVICE = "commandsPerDevice"
    # Extensions (docs/api-extensions.md): reads are not in §27.1's table, but every response
    # carries the headers; pairing is public, so it is limited per IP and per venue.
    READ_PER_USER = "readPerUser"
    PAIRING_START_PER_IP = "pairingStartPerIp"
    PAIRING_STATUS_PER_IP = "pairingStatusPerIp"
    PAIRING_CLAIM_PER_IP = "pairingClaimPerIp"
    PAIRING_CLAIM_PER_VENUE = "pairingClaimPerVenue"
    # §27.1's per-account login row is counted per account *and* address (login_limit_keys);
    # this is the account's ceiling across every address.
    LOGIN_PER_ACCOUNT_ALL_ADDRESSES = "loginPerAccountAllAddresses"
    # §27.1 puts X-RateLimit-* on all responses (issue 15 item 13): a device's command results
    # are counted per device; what no other limit counts (refused credentials, malformed
    # bodies, logout, probes) per address.
    COMMAND_RESULTS_PER_DEVICE = "commandResultsPerDevice"
    UNATTRIBUTED_PER_IP = "unattributedPerIp"
    # "Forgot password" in the web app (issue 19 item 9): each request may send e-mail, so it
    # is limited per address asked about and per client address.
    PASSWORD_RESET_PER_ACCOUNT = "passwordResetPerAccount"  # noqa: S105 (a category name)
    PASSWORD_RESET_PER_IP = "passwordResetPerIp"  # noqa: S105 (a category name)


@dataclass(frozen=True)
class Limit:
    requests: int
    window_seconds: int


DEFAULT_LIMITS: dict[LimitCategory, Limit] = {
    LimitCategory.LOGIN_PER_IP: Limit(10, 60),
    LimitCategory.LOGIN_PER_ACCOUNT: Limit(5, 60),
    LimitCategory.REFRESH_PER_USER: Limit(30, 3600),
    LimitCategory.MUTATION_PER_TENANT: Limit(120, 60),
    LimitCategory.PUBLISH_PER_TENANT: Limit(10, 60),
    LimitCategory.UPLOAD_SESSION_PER_TENANT: Limit(30, 3600),
    LimitCategory.MANIFEST_PER_DEVICE: Limit(2, 60),
    LimitCategory.HEARTBEAT_PER_DEVICE: Limit(2, 60),
    LimitCategory.EVENTS_PER_DEVICE: Limit(6, 60),
    LimitCategory.COMMANDS_PER_DEVICE: Limit(2, 60),
    LimitCategory.READ_PER_USER: Limit(600, 60),
    LimitCategory.PAIRING_START_PER_IP: Limit(10, 60),
    LimitCategory.PAIRING_STATUS_PER_IP: Limit(120, 60),
    LimitCategory.PAIRING_CLAIM_PER_IP: Limit(10, 60),
    LimitCategory.PAIRING_CLAIM_PER_VENUE: Limit(20, 60),
    LimitCategory.LOGIN_PER_ACCOUNT_ALL_ADDRESSES: Limit(50, 60),
    LimitCategory.COMMAND_RESULTS_PER_DEVICE: Limit(30, 60),
    LimitCategory.UNATTRIBUTED_PER_IP: Limit(300, 60),
    LimitCategory.PASSWORD_RESET_PER_ACCOUNT: Limit(3, 3600),
    LimitCategory.PASSWORD_RESET_PER_IP: Limit(20, 3600),
}


def login_limit_keys(email: str, client_address: str | None) -> list[tuple[LimitCategory, str]]:
    """The counters one login attempt is counted against, in the order they are checked (an
    attempt refused by one is not counted by the next). §27.1's per-account limit is kept per
    account and address, so guessing from one address never locks the owner out from another
    (issue 13 item 8); the account's ceiling across all addresses, ten times higher, slows
    guessing spread over many addresses to 50 a minute without letting a few addresses close
    the account."""
    address = client_address or "unknown"
    account = email.strip().lower()
    return [
        (LimitCategory.LOGIN_PER_IP, address),
        (LimitCategory.LOGIN_PER_ACCOUNT, f"{address}|{account}"),  # no address holds a "|"
        (LimitCategory.LOGIN_PER_ACCOUNT_ALL_ADDRESSES, account),
    ]


def effective_limit(category: LimitCategory, tenant_overrides: dict[str, Any] | None) -> Limit:
    """The default, or the tenant's override of it (`{"mutationPerTenant": {"requests": 500,
    "windowSeconds": 60}}` in tenants.rate_limit_overrides)."""
    override = (tenant_overrides or {}).get(category.value)
    default = DEFAULT_LIMITS[category]
    if not isinstance(override, dict):
        return default
    return Limit(
        int(override.get("requests", default.requests)),
        int(override.get("windowSeconds", default.window_seconds)),
    )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int  # §27.1 X-RateLimit-Reset: UTC epoch seconds when the window resets
    retry_after_seconds: int


class RateLimiter(Protocol):
    def hit(self, key: str, limit: Limit, now: datetime) -> Decision: ...


def window_bounds(limit: Limit, now: datetime) -> tuple[int, int]:
    """Start and end (epoch seconds) of the fixed window containing `now`."""
    start = int(now.timestamp()) // limit.window_seconds * limit.window_seconds
    return start, start + limit.window_seconds


def decide(count: int, limit: Limit, now: datetime) -> Decision:
    """The verdict on a window that has counted `count` calls (§27.1 headers included)."""
    _, reset = window_bounds(limit, now)
    retry_after = max(1, math.ceil(reset - now.timestamp()))
    return Decision(
        allowed=count <= limit.requests,
        limit=limit.requests,
        remaining=max(0, limit.requests - count),
        reset_epoch=reset,
        retry_after_seconds=retry_after,
    )


class InProcessRateLimiter:
    """Counters in this process: right for one API process (the embedded default).

    Each counter is kept until its window ends. Ended windows are dropped whenever the counters
    have doubled since the last sweep (and at `sweep_floor` first), so a sweep's cost is spread
    over the hits that grew the table. A fleet makes a counter per screen, category and window
    (80,000 a minute at 20,000 screens); bench/fleet found the earlier rule, a scan of every
    counter at each hit once there were 100,000 and only day-old ones dropped, holding a core
    at 99 % for 60 requests a second.
    """

    def __init__(self, sweep_floor: int = 100_000) -> None:
        # (key, window start) -> (count, window end), epoch seconds
        self._counts: dict[tuple[str, int], tuple[int, int]] = {}
        self._sweep_floor = sweep_floor
        self._sweep_at = sweep_floor
        self._lock = threading.Lock()

    def hit(self, key: str, limit: Limit, now: datetime) -> Decision:
        start, end = window_bounds(limit, now)
        with self._lock:
            count = self._counts.get((key, start), (0, end))[0] + 1
            self._counts[(key, start)] = (count, end)
            if len(self._counts) >= self._sweep_at:
                self._forget_ended(now.timestamp())
        return decide(count, limit, now)

    def __len__(self) -> int:
        return len(self._counts)

    def _forget_ended(self, now_epoch: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now_epoch}
        self._sweep_at = max(self._sweep_floor, 2 * len(self._counts))


class RedisRateLimiter:
    """Counters in Redis, so several API processes share one budget."""

    def __init__(self, client: Any, prefix: str = "signage:rl") -> None:
        self._client = client
        self._prefix = prefix

    def hit(self, key: str, limit: Limit, now: datetime) -> Decision:
        start, reset = window_bounds(limit, now)
        redis_key = f"{self._prefix}:{key}:{limit.window_seconds}:{start}"
        pipeline = self._client.pipeline()
        pipeline.incr(redis_key)
        # Relative TTL: the window's end is measured on the injected clock, not Redis's.
        pipeline.expire(redis_key, max(1, math.ceil(reset - now.timestamp())) + 5)
        count, _ = pipeline.execute()
        return decide(int(count), limit, now)
