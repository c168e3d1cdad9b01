"""Network calls off the playback thread (§33.5): at most one job per kind, polled for results.

A `Job` names its kind, the call to run on a worker and what the loop thread does with its
result or its `ApiError`; `BackgroundJobs.collect` hands finished jobs back on the loop thread,
after telling a `JobWatcher` (connectivity, token) what the call said about the link.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from player.api_client import ApiError, TokenRejectedError
from player.sync_policy import backoff_seconds

Result = TypeVar("Result")


class JobKind(StrEnum):
    """The player's background network calls; each kind runs at most once at a time."""

    MANIFEST = "manifest"
    HEARTBEAT = "heartbeat"
    EVENTS = "events"
    COMMANDS = "commands"
    RESULT = "result"  # one command result (§28.7)
    PAIRING = "pairing"
    SCREENSHOT = "screenshot"  # one screenshot's upload (issue 19 item 3)


@dataclass(frozen=True)
class Job(Generic[Result]):
    """One call for a worker and its two endings, both run on the loop thread."""

    kind: JobKind
    call: Callable[[], Result]
    on_result: Callable[[Result], None]
    on_error: Callable[[ApiError], None]


class JobWatcher(Protocol):
    """Told about every finished call before the job's own ending runs."""

    def call_succeeded(self) -> None: ...

    def call_failed(self, error: ApiError) -> None: ...

    def token_rejected(self) -> None: ...


class _Running(Generic[Result]):
    def __init__(self, job: Job[Result], future: Future[Result]) -> None:
        self.job = job
        self.future = future

    def done(self) -> bool:
        return self.future.done()

    def settle(self, watcher: JobWatcher) -> None:
        try:
            value = self.future.result()
        except TokenRejectedError:
            watcher.token_rejected()
            return
        except ApiError as exc:
            watcher.call_failed(exc)
            self.job.on_error(exc)
            return
        watcher.call_succeeded()
        self.job.on_result(value)


class _Settles(Protocol):
    def done(self) -> bool: ...

    def settle(self, watcher: JobWatcher) -> None: ...


class BackgroundJobs:
    """At most one background job per kind; results are collected by the controller."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="net")
        self._running: dict[JobKind, _Settles] = {}

    def idle(self, kind: JobKind) -> bool:
        """No job of `kind` is running or waiting to be collected."""
        return kind not in self._running

    def start(self, job: Job[Result]) -> None:
        """Run `job.call()` on a worker; its ending runs in a later `collect`."""
        self._running[job.kind] = _Running(job, self._pool.submit(job.call))

    def collect(self, watcher: JobWatcher) -> None:
        """Run the ending of every job that has finished since the last call, in start order."""
        done = [(kind, job) for kind, job in self._running.items() if job.done()]
        for kind, _ in done:
            del self._running[kind]
        for _, job in done:
            job.settle(watcher)

    def close(self) -> None:
        """Wait for running jobs (bounded by their HTTP timeouts) and drop queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DueTimes:
    """When (monotonic seconds) each kind of job is next due; never set means due now."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._due: dict[JobKind, float] = {}

    def due_in(self, kind: JobKind, seconds: float) -> None:
        self._due[kind] = self._monotonic() + seconds

    def no_later_than(self, kind: JobKind, seconds: float) -> None:
        """Bring `kind` forward to at most `seconds` from now; a sooner due time stays."""
        self._due[kind] = min(self._due.get(kind, 0.0), self._monotonic() + seconds)

    def is_due(self, kind: JobKind) -> bool:
        return self._monotonic() >= self._due.get(kind, 0.0)

    def ready(self, jobs: BackgroundJobs, kind: JobKind) -> bool:
        """No job of `kind` is out and it is due: time to start one."""
        return jobs.idle(kind) and self.is_due(kind)


def retry_delay(failures: int, error: ApiError, jitter: float) -> float:
    """Exponential backoff (§28.6), never shorter than the server's Retry-After."""
    return max(backoff_seconds(failures, jitter), error.retry_after or 0.0)


# Answers that mean "the server is busy or limiting you" (§27.1 "Player behaviour on 429").
THROTTLED_STATUSES = frozenset({429, 503})


def periodic_retry_delay(cadence: float, failures: int, error: ApiError, jitter: float) -> float:
    """The next heartbeat or command poll after a failure: its cadence as usual, but when the
    server throttles (429/503) never sooner than Retry-After or, without one, exponential
    backoff (§27.1 "Player behaviour on 429"; issue 15 item 5)."""
    if error.status in THROTTLED_STATUSES:
        return max(cadence, retry_delay(failures, error, jitter))
    return cadence
