"""Group commit for heartbeats (§27.8.2, issue #4's throughput goal).

A fleet heartbeats at the manifest cadence, so under load many requests arrive within a few
milliseconds. Each request waits here until its heartbeat is committed (a 204 still means
"stored"), but the waiting requests share one transaction of three statements instead of
paying a transaction each. Should a batch fail, its heartbeats are retried one by one, so one
bad row fails only its own request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

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
        try:
            await run_in_threadpool(self._write, [heartbeat for heartbeat, _ in batch])
        except Exception:
            log.warning("heartbeat batch of %d failed; storing them one by one", len(batch))
            for heartbeat, done in batch:
                await self._store_one(heartbeat, done)
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)

    async def _store_one(self, heartbeat: ReceivedHeartbeat, done: asyncio.Future[None]) -> None:
        try:
            await run_in_threadpool(self._write, [heartbeat])
        except Exception as failure:  # this request's own failure: its handler answers it
            if not done.done():
                done.set_exception(failure)
        else:
            if not done.done():
                done.set_result(None)

    def _write(self, heartbeats: list[ReceivedHeartbeat]) -> None:
        with self._database.unit_of_work() as session:
            record_heartbeats(session, heartbeats)
