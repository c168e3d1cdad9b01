"""What the player owes the server: heartbeats (§27.8.2), events (§27.8.3), command results (§28.7).

Events wait in SQLite (device time; corrected to server time when sent) and go in batches,
sooner when a batch is full; a batch the server refuses for good is dropped so the queue never
blocks. Heartbeats carry the error counters and forget them once delivered. Command results go
one at a time, in order, retried with backoff until the server has them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from player.api_client import ApiError
from player.background_jobs import (
    BackgroundJobs,
    DueTimes,
    Job,
    JobKind,
    periodic_retry_delay,
    retry_delay,
)
from player.clock import Clock
from player.commands import CommandOutcome
from player.event_queue import MAX_BATCH, EventQueue
from player.network import Network
from player.telemetry import ErrorCounters
from player.wire import PlayerEvent, Severity

LOG = logging.getLogger("player")


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one command, waiting to be reported."""

    command_id: str
    outcome: CommandOutcome


class Outbox:
    """Queues events and command results and sends them, with heartbeats, on their cadence."""

    def __init__(
        self,
        events: EventQueue,
        jobs: BackgroundJobs,
        due: DueTimes,
        network: Network,
        clock: Clock,
        counters: ErrorCounters,
        flush_seconds: float,
        jitter: float,
        cadence: Callable[[], float],
        heartbeat: Callable[[], dict[str, Any]],
    ) -> None:
        self._events = events
        self._jobs = jobs
        self._due = due
        self._network = network
        self._clock = clock
        self._counters = counters
        self._flush_seconds = flush_seconds
        self._jitter = jitter
        self._cadence = cadence  # the server's nextCheckSeconds, shared by heartbeats
        self._heartbeat = heartbeat  # the body describing this instant
        self._events_since_flush = 0
        self._event_failures = 0
        self._heartbeat_failures = 0
        self._results: list[CommandResult] = []

    # ---- events (§27.8.3) ----------------------------------------------------------------

    def emit(self, event_type: str, severity: Severity, payload: dict[str, Any]) -> None:
        """Queue one event; device time on disk (the 7-day limit is local)."""
        self._events.put(event_type, severity, payload, self._clock.now())
        self._events_since_flush += 1
        if self._events_since_flush >= MAX_BATCH:
            self._due.due_in(JobKind.EVENTS, 0.0)  # flush when a batch is full, not only on time

    def send_events(self) -> None:
        if not self._due.ready(self._jobs, JobKind.EVENTS):
            return
        batch = self._events.next_batch(self._clock.now())
        if not batch:
            self._due.due_in(JobKind.EVENTS, self._flush_seconds)
            return
        wire = [replace(e, event_time_utc=self._network.to_wire(e.event_time_utc)) for e in batch]
        api = self._network.api
        self._jobs.start(
            Job(
                JobKind.EVENTS,
                partial(api.send_events, wire, self._network.wire_now()),
                on_result=lambda _: self._events_sent(batch),
                on_error=partial(self._events_failed, batch),
            )
        )

    def _events_sent(self, batch: list[PlayerEvent]) -> None:
        self._events.acknowledge([e.event_id for e in batch])
        self._event_failures = 0
        self._events_since_flush = 0
        full = len(batch) >= MAX_BATCH
        self._due.due_in(JobKind.EVENTS, 0.0 if full else self._flush_seconds)

    def _events_failed(self, batch: list[PlayerEvent], error: ApiError) -> None:
        if error.status is not None and 400 <= error.status < 500 and error.status != 429:
            # The server refuses this batch for good: dropping it unblocks the queue.
            LOG.error("event batch refused with HTTP %s, dropped", error.status)
            self._events.acknowledge([e.event_id for e in batch])
            return
        self._event_failures += 1
        self._due.due_in(JobKind.EVENTS, retry_delay(self._event_failures, error, self._jitter))

    # ---- heartbeats (§27.8.2) ------------------------------------------------------------

    def send_heartbeat(self) -> None:
        """Send a heartbeat when due; the counters it reports are forgotten once delivered."""
        if not self._due.ready(self._jobs, JobKind.HEARTBEAT):
            return
        sent = self._counters.copy()
        self._jobs.start(
            Job(
                JobKind.HEARTBEAT,
                partial(self._network.api.send_heartbeat, self._heartbeat()),
                on_result=lambda _: self._heartbeat_sent(sent),
                on_error=self._heartbeat_failed,
            )
        )

    def _heartbeat_sent(self, sent: ErrorCounters) -> None:
        self._counters.subtract(sent)
        self._heartbeat_failures = 0
        self._due.due_in(JobKind.HEARTBEAT, self._cadence())

    def align_heartbeat(self) -> None:
        """A manifest gave the cadence (§27.8.2): a heartbeat waiting on the default one (sent
        before the first manifest) comes in to it; one backing off after a failure keeps its
        wait, which may be a Retry-After."""
        if self._heartbeat_failures == 0:
            self._due.no_later_than(JobKind.HEARTBEAT, self._cadence())

    def _heartbeat_failed(self, error: ApiError) -> None:
        self._heartbeat_failures += 1
        delay = periodic_retry_delay(self._cadence(), self._heartbeat_failures, error, self._jitter)
        self._due.due_in(JobKind.HEARTBEAT, delay)

    # ---- command results (§28.7) ---------------------------------------------------------

    def add_result(self, command_id: str, outcome: CommandOutcome) -> None:
        self._results.append(CommandResult(command_id, outcome))

    def results_waiting(self) -> bool:
        return bool(self._results)

    def send_results(self) -> None:
        """Report the oldest waiting result, one at a time so the order holds."""
        if not self._results or not self._due.ready(self._jobs, JobKind.RESULT):
            return
        result = self._results[0]
        self._jobs.start(
            Job(
                JobKind.RESULT,
                partial(
                    self._network.api.report_command_result,
                    result.command_id,
                    result.outcome.succeeded,
                    result.outcome.result,
                    result.outcome.error,
                ),
                on_result=self._result_sent,
                on_error=self._result_failed,
            )
        )

    def _result_sent(self, _: None) -> None:
        self._results.pop(0)

    def _result_failed(self, error: ApiError) -> None:
        self._due.due_in(JobKind.RESULT, retry_delay(1, error, self._jitter))
