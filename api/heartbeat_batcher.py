"""Group commit for heartbeats (§27.8.2, issue #4's throughput goal).

A fleet heartbeats at the manifest cadence, so under load many requests arrive within a few
milliseconds. Each request waits here until its heartbeat is committed (a 204 still means
"stored"), but the waiting requests share one transaction of three statements instead of
paying a transaction each. Should a batch fail, its heartbeats are retried one by one, so one
bad row fails only its own request; once a retry finds the database unavailable, the rest of
the batch fails with it (a 503 the player retries later).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from api.metrics import HEARTBEAT_BATCH, HEARTBEAT_COMMIT
from api.problems import DATABASE_UNAVAILABLE_ERRORS
from signage.db.engine import Database
from signage.telemetry.ingest import ReceivedHeartbeat, record_heartbeats

log = logging.getLogger(__name__)

MAX_BATCH = 200
# How long the first heartbeat of a batch waits for company: short beside a request's own cost.
GATHER_SECONDS = 0.005


class HeartbeatBatcher:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._waiting: list[tuple[ReceivedHeartbeat, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def record(self, heartbeat: ReceivedHeartbeat) -> None:
        """Return once `heartbeat` is committed; raise what storing it raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((heartbeat, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            await self._store(batch)

    async def _store(self, batch: Sequence[tuple[ReceivedHeartbeat, asyncio.Future[None]]]) -> None:
        started = time.perf_counter()
        try:
            await run_in_threadpool(self._write, [heartbeat for heartbeat, _ in batch])
            HEARTBEAT_COMMIT.observe(time.perf_counter() - started)
            HEARTBEAT_BATCH.observe(len(batch))
        except Exception:
            log.warning("heartbeat batch of %d failed; storing them one by one", len(batch))
            await self._store_one_by_one(batch)
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)

    async def _store_one_by_one(
        self, batch: Sequence[tuple[ReceivedHeartbeat, asyncio.Future[None]]]
    ) -> None:
        for index, (heartbeat, done) in enumerate(batch):
            failure = await self._store_one(heartbeat, done)
            if isinstance(failure, DATABASE_UNAVAILABLE_ERRORS):
                # The database, not this row: the rest would each wait for a connection only
                # to fail the same way, so they fail now (503, issue 13 item 4).
                for _, waiting in batch[index + 1 :]:
                    if not waiting.done():
                        waiting.set_exception(failure)
                return

    async def _store_one(
        self, heartbeat: ReceivedHeartbeat, done: asyncio.Future[None]
    ) -> Exception | None:
        """Store one heartbeat and settle its request; the failure, if any."""
        try:
            await run_in_threadpool(self._write, [heartbeat])
        except Exception as failure:  # this request's own failure: its handler answers it
            if not done.done():
                done.set_exception(failure)
            return failure
        if not done.done():
            done.set_result(None)
        return None

    def _write(self, heartbeats: list[ReceivedHeartbeat]) -> None:
        with self._database.unit_of_work() as session:
            record_heartbeats(session, heartbeats)
