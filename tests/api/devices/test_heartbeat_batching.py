"""Heartbeats are group-committed (api.heartbeat_batcher): concurrent requests share one
transaction, each still returns only once its own heartbeat is stored, and one bad heartbeat
fails only its own request."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from api.heartbeat_batcher import HeartbeatBatcher
from signage.auth.principal import DevicePrincipal
from signage.db.engine import Database
from signage.db.models import Device, DeviceHeartbeat, DeviceStatus
from signage.enums import PlayerState
from signage.telemetry.ingest import Heartbeat, ReceivedHeartbeat
from tests.support.demo import Demo

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def beat(state: PlayerState, version: str = "1.2.0") -> Heartbeat:
    values: dict[str, object] = dict.fromkeys(Heartbeat.__dataclass_fields__)
    return Heartbeat(**{**values, "state": state, "app_version": version})  # type: ignore[arg-type]


def devices(database: Database, demo: Demo, count: int) -> list[DevicePrincipal]:
    with database.unit_of_work() as session:
        rows = [
            Device(tenant_id=demo.tenant_id, venue_id=demo.fortescue_id, name=f"screen {n}")
            for n in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [DevicePrincipal(d.id, d.venue_id, d.tenant_id) for d in rows]


def test_concurrent_heartbeats_are_stored_and_the_latest_status_wins(
    database: Database, demo: Demo
) -> None:
    screens = devices(database, demo, 10)
    batcher = HeartbeatBatcher(database)
    received = [
        ReceivedHeartbeat(
            screen,
            beat(PlayerState.PLAYING if n < 2 else PlayerState.ERROR_SCREEN, f"1.{n}.0"),
            NOW + timedelta(seconds=n),
        )
        for n in range(3)
        for screen in screens
    ]

    async def send_all() -> None:
        await asyncio.gather(*(batcher.record(r) for r in received))

    asyncio.run(send_all())
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DeviceHeartbeat)) == 30
        statuses = session.execute(select(DeviceStatus.state, DeviceStatus.last_heartbeat_at)).all()
        seen = session.scalars(
            select(Device.app_version).where(Device.venue_id == demo.fortescue_id)
        )
        versions = set(seen)
    assert {(state, at) for state, at in statuses} == {
        (PlayerState.ERROR_SCREEN, NOW + timedelta(seconds=2))
    }
    assert len(statuses) == 10
    assert versions == {"1.2.0"}


def test_a_bad_heartbeat_fails_alone(database: Database, demo: Demo) -> None:
    [good] = devices(database, demo, 1)
    ghost = DevicePrincipal(uuid.uuid4(), demo.fortescue_id, demo.tenant_id)  # no such device
    batcher = HeartbeatBatcher(database)

    async def send_both() -> list[BaseException | None]:
        results = await asyncio.gather(
            batcher.record(ReceivedHeartbeat(good, beat(PlayerState.PLAYING), NOW)),
            batcher.record(ReceivedHeartbeat(ghost, beat(PlayerState.PLAYING), NOW)),
            return_exceptions=True,
        )
        return list(results)

    stored, failed = asyncio.run(send_both())
    assert stored is None
    assert isinstance(failed, IntegrityError)
    with database.sessions() as session:
        assert session.scalars(select(DeviceHeartbeat.device_id)).all() == [good.device_id]


@pytest.mark.parametrize("count", [1, 250])
def test_batches_of_any_size_are_stored(database: Database, demo: Demo, count: int) -> None:
    screens = devices(database, demo, count)
    batcher = HeartbeatBatcher(database)

    async def send_all() -> None:
        await asyncio.gather(
            *(batcher.record(ReceivedHeartbeat(s, beat(PlayerState.PLAYING), NOW)) for s in screens)
        )

    asyncio.run(send_all())
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DeviceStatus)) == count


@contextmanager
def database_hanging_up() -> Iterator[tuple[Database, list[int]]]:
    """A database address whose server accepts each connection and drops it at once, as one
    going down does; the list counts the connections asked for."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    attempts: list[int] = []
    stopping = threading.Event()

    def hang_up() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            attempts.append(1)
            connection.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    database = Database.connect(f"postgresql+psycopg://x@127.0.0.1:{port}/x?sslmode=disable")
    try:
        yield database, attempts
    finally:
        database.dispose()
        stopping.set()
        thread.join(timeout=5)
        listener.close()


def test_in_an_outage_a_batch_fails_together_without_a_connection_per_heartbeat(
    demo: Demo,
) -> None:
    """One retry on its own tells the database is down; the others fail with it (issue 13
    item 4), instead of each waiting for a connection (up to connect_timeout) in turn."""
    screens = [DevicePrincipal(uuid.uuid4(), demo.fortescue_id, demo.tenant_id) for _ in range(5)]
    with database_hanging_up() as (database, attempts):
        batcher = HeartbeatBatcher(database)

        async def send_all() -> list[BaseException | None]:
            beats = [ReceivedHeartbeat(s, beat(PlayerState.PLAYING), NOW) for s in screens]
            return list(
                await asyncio.gather(*(batcher.record(b) for b in beats), return_exceptions=True)
            )

        failures = asyncio.run(send_all())
    assert all(isinstance(failure, OperationalError) for failure in failures)
    assert len(attempts) == 2  # the batch, then the first heartbeat alone
