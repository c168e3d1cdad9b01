"""A limiter that never limits, for tests about something else (e.g. authorization)."""

from __future__ import annotations

from datetime import datetime

from signage.ratelimit import Decision, Limit, decide


class UnlimitedRateLimiter:
    def hit(self, key: str, limit: Limit, now: datetime) -> Decision:
        return decide(1, Limit(10**9, limit.window_seconds), now)
