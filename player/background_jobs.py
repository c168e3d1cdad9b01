"""Network calls off the playback thread (§33.5): at most one job per kind, polled for results."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class BackgroundJobs:
    """At most one background job per kind; results are collected by the controller."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="net")
        self._running: dict[str, tuple[Future[Any], Any]] = {}

    def idle(self, kind: str) -> bool:
        """No job of `kind` is running or waiting to be collected."""
        return kind not in self._running

    def start(self, kind: str, context: Any, work: Callable[..., Any], *args: Any) -> None:
        """Run `work(*args)` on a worker; `context` comes back with the result."""
        self._running[kind] = (self._pool.submit(work, *args), context)

    def finished(self) -> list[tuple[str, Future[Any], Any]]:
        """(kind, future, context) of every job that has ended since the last call."""
        done = [(k, f, c) for k, (f, c) in self._running.items() if f.done()]
        for kind, _, _ in done:
            del self._running[kind]
        return done

    def close(self) -> None:
        """Wait for running jobs (bounded by their HTTP timeouts) and drop queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
