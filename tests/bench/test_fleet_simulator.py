"""The fleet simulator (bench/fleet, issue 18 item 4) speaks the real player protocol: against a
real uvicorn on 127.0.0.1, its screens poll with ETags, send heartbeats, events and command
polls, and every request is answered. Its HTTP client (bench/wire) reads whole responses,
chunked ones too, so keep-alive connections stay in step."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import SecretStr

from api.app import create_app
from bench.fleet import CADENCES, JITTER, Fleet, first_dues, lift_limits, next_due, run_step
from bench.manifest import SECRET, prepare
from bench.wire import Connection, parse_head
from signage.config import Environment, Settings
from signage.db.engine import Database
from tests.support.live import serve


def test_a_simulated_fleet_is_answered_and_reuses_its_etags(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    tokens = prepare(database_url, 6)
    lift_limits(database_url)
    settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp_path / "var",
        database_url=database_url,
        jwt_secret=SecretStr(SECRET),
    )
    with serve(create_app(settings, database=database)) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        # x600: a minute's cadence every 0.1 s, so 3 s is many polls of each kind per screen
        tally = asyncio.run(run_step("127.0.0.1", port, Fleet(tokens, 600, 3.0), connections=3))

    for kind in CADENCES:
        assert tally.failures(kind) == 0, (kind, tally.statuses[kind])
        assert len(tally.latencies[kind]) >= len(tokens), kind
    manifest = tally.statuses["manifest"]
    assert manifest[200] >= len(tokens)  # each screen's first poll has no ETag
    assert manifest[304] > manifest[200]  # then it sends the ETag it was given
    assert set(tally.statuses["heartbeat"]) == {204}
    assert tally.unsent == 0


def test_first_requests_are_spread_over_one_cadence_and_then_keep_it() -> None:
    rng = random.Random(7)
    dues = first_dues(50, compress=10, rng=rng, start=100.0)
    assert len(dues) == 50 * len(CADENCES)
    for at, _, device, kind in dues:
        assert 0 <= device < 50
        assert 100.0 <= at <= 100.0 + CADENCES[kind] / 10
        following = next_due(at, kind, 10, rng)
        assert CADENCES[kind] / 10 * (1 - JITTER) <= following - at
        assert following - at <= CADENCES[kind] / 10 * (1 + JITTER)


def test_the_head_of_a_response_is_parsed_with_lower_cased_names() -> None:
    status, headers = parse_head(
        b'HTTP/1.1 304 Not Modified\r\nETag: "abc"\r\nX-Request-ID: r-1\r\n\r\n'
    )
    assert status == 304
    assert headers == {"etag": '"abc"', "x-request-id": "r-1"}


def test_chunked_and_sized_bodies_are_read_whole_on_one_connection() -> None:
    answers = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for reply in answers:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
        writer.close()

    async def exchange(connection: Connection) -> list[tuple[int, bytes]]:
        bodies = []
        for _ in answers:
            response = await connection.request("GET", "/", {})
            bodies.append((response.status, response.body))
        return bodies

    assert asyncio.run(_with_server(answer, exchange)) == [
        (200, b"hello world"),
        (200, b"ok"),
        (204, b""),
    ]


async def _with_server(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    use: Callable[[Connection], Awaitable[list[tuple[int, bytes]]]],
) -> list[tuple[int, bytes]]:
    async with _listening(handler) as port:
        connection = await Connection.open("127.0.0.1", port)
        try:
            return await use(connection)
        finally:
            await connection.close()


@asynccontextmanager
async def _listening(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]
