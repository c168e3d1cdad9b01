"""When `signage up` restarts a process that died, and when it gives up (issue 13, item 5).

Pure: the supervisor in `signage.runtime` passes the times in (monotonic seconds) and acts on
the answer. A process that crashes is restarted after an exponential backoff (1 s, 2 s, 4 s …
at most 30 s); once it has stayed up a while the backoff starts again from 1 s. Repeated
crashes in a short window mean something is wrong that a restart will not fix: give up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RestartPolicy:
    first_delay_seconds: float = 1.0
    max_delay_seconds: float = 30.0
    # Up at least this long before crashing: the next restart waits first_delay again.
    stable_after_seconds: float = 60.0
    # This many crashes of one process within the window: stop the platform instead.
    give_up_after_crashes: int = 5
    crash_window_seconds: float = 300.0


@dataclass(frozen=True)
class CrashHistory:
    """What one process's earlier crashes mean for the next one."""

    crash_times: tuple[float, ...] = ()  # within the policy's window, oldest first
    attempts: int = 0  # restarts since the process last stayed up


@dataclass(frozen=True)
class Restart:
    attempt: int
    delay_seconds: float
    history: CrashHistory


@dataclass(frozen=True)
class GiveUp:
    crashes: int
    window_seconds: float


def after_crash(
    policy: RestartPolicy, history: CrashHistory, *, started_at: float, crashed_at: float
) -> Restart | GiveUp:
    """The answer to a process, started at `started_at`, found dead at `crashed_at`."""
    window = policy.crash_window_seconds
    recent = (*(t for t in history.crash_times if crashed_at - t < window), crashed_at)
    if len(recent) >= policy.give_up_after_crashes:
        return GiveUp(len(recent), window)
    stayed_up = crashed_at - started_at >= policy.stable_after_seconds
    attempt = 1 if stayed_up else history.attempts + 1
    delay = min(policy.first_delay_seconds * 2 ** (attempt - 1), policy.max_delay_seconds)
    return Restart(attempt, delay, CrashHistory(recent, attempt))
