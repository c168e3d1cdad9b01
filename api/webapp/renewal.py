"""Renewing an expired access token once per refresh token, however many requests race (§25.7).

A page often fires several requests at once (the page, its htmx polls). When the access token
has expired, each would present the same refresh token: the first rotates it, and the second
would then look like a stolen token being reused, revoking the whole login. So, in this process,
renewals of one refresh token take turns under a lock keyed by its digest, and the pair the
first one obtained is remembered for a few seconds: the requests that waited (or were already
in flight with the old cookies) are answered with that same pair instead of a second rotation.
After the grace window the old token is a reuse again, exactly as on /v1/auth/refresh.

Only digests of the presented tokens are used as keys; the remembered pair lives in memory only
for the window. Across replicas without sticky sessions the race can still happen; the window
makes it rare because the winner's cookies reach the browser within one round trip.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from signage.auth import sessions
from signage.auth.tokens import token_digest

GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class _Renewal:
    issued: sessions.IssuedTokens
    until: datetime


class RecentRenewals:
    """Per-refresh-token locks and the pairs issued within the last `GRACE`."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._issued: dict[str, _Renewal] = {}

    def _lock_for(self, digest: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(digest, threading.Lock())

    def _forget_old(self, now: datetime) -> None:
        with self._guard:
            for digest in [d for d, r in self._issued.items() if r.until <= now]:
                del self._issued[digest]
                self._locks.pop(digest, None)

    def renew(
        self,
        presented: str,
        now: datetime,
        rotate: Callable[[], sessions.IssuedTokens | sessions.Rejected],
    ) -> sessions.IssuedTokens | sessions.Rejected:
        """The pair `presented` was (or now is) rotated into. `rotate` must commit before it
        returns, so a request waiting for the lock never reads the token as unrotated."""
        self._forget_old(now)
        digest = token_digest(presented)
        with self._lock_for(digest):
            recent = self._issued.get(digest)
            if recent is not None and now < recent.until:
                return recent.issued
            outcome = rotate()
            if isinstance(outcome, sessions.IssuedTokens):
                self._issued[digest] = _Renewal(outcome, now + GRACE)
        if digest not in self._issued:
            with self._guard:  # a refused token needs no lock kept for later
                self._locks.pop(digest, None)
        return outcome


RENEWALS = RecentRenewals()
