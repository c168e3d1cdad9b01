"""A fleet simulator (issue 18 item 4): N screens speaking the player protocol (manifest polls
with ETags, heartbeats, event batches, command polls) at their jittered intervals, compressed
by a factor so an hour passes in a minute, against one API process on 127.0.0.1 started here
(fresh database from the test template, the published demo content of bench.manifest). Each
step of the curve runs for a bounded time, then the next; it prints, per N, every endpoint's
requests/s, median and p99, and the largest N whose p99s all stayed under 100 ms: devices per
API process at that compression, so a real-time fleet per process is N x the factor.

    .venv/bin/python -m bench.fleet [--devices 200,500,1000] [--compress 30] [--seconds 20]

Devices hold tokens issued the way pairing issues them (signage.devices.tokens), not paired
through /v1 one by one: §27.1 limits pairing to 10 starts a minute per address. The load
generator shares the machine with the API and PostgreSQL (2 cores here): the figures are a
floor. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import random
import signal
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.manifest import SECRET, prepare
from bench.report import summarise
from bench.telemetry import start_uvicorn
from bench.wire import Connection, Response
from signage.db.engine import Database
from signage.db.models import Tenant
from tests.support import postgres
from tests.support.devices import heartbeat_body
from tests.support.redis_server import free_port

# The player's own cadences in seconds (§27.8; player/ defaults), before compression.
CADENCES = {"manifest": 60.0, "heartbeat": 60.0, "commands": 30.0, "events": 300.0}
ROUTES = {
    "manifest": ("GET", "/v1/player/manifest"),
    "heartbeat": ("POST", "/v1/player/heartbeat"),
    "commands": ("GET", "/v1/player/commands"),
    "events": ("POST", "/v1/player/events"),
}
ANSWERED = (200, 204, 304)
JITTER = 0.1  # ±10 %, like the manifest's nextCheckSeconds
P99_GOAL_MS = 100.0
# A request that has fallen due: (when, tie-breaker, screen's index, kind).
Due = tuple[float, int, int, str]
# The simulated fleet polls many times faster than §27.1 allows a real screen.
LIFTED = {
    category: {"requests": 10**9, "windowSeconds": 60}
    for category in (
        "manifestPerDevice",
        "heartbeatPerDevice",
        "eventsPerDevice",
        "commandsPerDevice",
    )
}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lateness: list[float] = field(default_factory=list)
    unsent: int = 0
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))

    def failures(self, kind: str) -> int:
        return sum(n for status, n in self.statuses[kind].items() if status not in ANSWERED)


@dataclass(frozen=True)
class Fleet:
    """What a step sends: whose token each screen holds, how fast its clock runs."""

    tokens: list[str]
    compress: float
    seconds: float


def first_dues(devices: int, compress: float, rng: random.Random, start: float) -> list[Due]:
    """Every screen's first request of each kind, spread over one compressed cadence so the
    load is even from the first second (screens of a real fleet did not all boot at once)."""
    dues = [
        (start + rng.uniform(0, every / compress), n * len(CADENCES) + k, n, kind)
        for n in range(devices)
        for k, (kind, every) in enumerate(CADENCES.items())
    ]
    heapq.heapify(dues)
    return dues


def next_due(at: float, kind: str, compress: float, rng: random.Random) -> float:
    """When a screen sends this kind of request again: its cadence ±JITTER, compressed."""
    return at + CADENCES[kind] / compress * rng.uniform(1 - JITTER, 1 + JITTER)


async def run_step(host: str, port: int, fleet: Fleet, connections: int) -> Tally:
    """Sends each screen's requests when they fall due, over `connections` keep-alive sockets,
    until the step's time is up; a request waits for a free socket only when every socket is
    busy, and that wait is tallied as lateness. Requests still waiting when the time is up
    are tallied as unsent, so a step ends on time however far behind the API has fallen."""
    tally = Tally()
    queue: asyncio.Queue[Due | None] = asyncio.Queue()
    etags: list[str | None] = [None] * len(fleet.tokens)
    sockets = [await Connection.open(host, port) for _ in range(connections)]
    senders = [
        asyncio.create_task(_send_until_done(socket, queue, fleet, etags, tally))
        for socket in sockets
    ]
    await _release_when_due(queue, fleet)
    ended = time.monotonic()
    while not queue.empty():  # the step is over: what could not be sent in time is not sent
        item = queue.get_nowait()
        # one that fell due in the last moment is not behind; one overdue is
        tally.unsent += item is not None and ended - item[0] > P99_GOAL_MS / 1000
    for _ in senders:
        queue.put_nowait(None)
    await asyncio.gather(*senders)
    for socket in sockets:
        await socket.close()
    return tally


async def _release_when_due(queue: asyncio.Queue[Due | None], fleet: Fleet) -> None:
    rng = random.Random(len(fleet.tokens))
    start = time.monotonic()
    until = start + fleet.seconds
    dues = first_dues(len(fleet.tokens), fleet.compress, rng, start)
    while dues and dues[0][0] < until:
        at, seq, device, kind = heapq.heappop(dues)
        wait = at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        queue.put_nowait((at, seq, device, kind))
        heapq.heappush(dues, (next_due(at, kind, fleet.compress, rng), seq, device, kind))


async def _send_until_done(
    socket: Connection,
    queue: asyncio.Queue[Due | None],
    fleet: Fleet,
    etags: list[str | None],
    tally: Tally,
) -> None:
    while (item := await queue.get()) is not None:
        due_at, _, device, kind = item
        began = time.monotonic()
        tally.lateness.append(began - due_at)
        headers = {"Authorization": f"Bearer {fleet.tokens[device]}"}
        response = await _request(socket, kind, headers, etags[device])
        tally.latencies[kind].append(time.monotonic() - began)
        tally.statuses[kind][response.status] += 1
        etags[device] = response.headers.get("etag", etags[device])


async def _request(
    socket: Connection, kind: str, headers: dict[str, str], etag: str | None
) -> Response:
    method, path = ROUTES[kind]
    if kind == "manifest" and etag:
        headers["If-None-Match"] = etag
    if method == "GET":
        return await socket.request(method, path, headers)
    headers["Content-Type"] = "application/json"
    body = heartbeat_body() if kind == "heartbeat" else _events()
    return await socket.request(method, path, headers, json.dumps(body).encode())


def _events() -> dict[str, object]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "events": [
            {
                "eventId": str(uuid.uuid4()),
                "eventType": "PLAYBACK_STARTED",
                "eventTimeUtc": now,
                "severity": "INFO",
                "payload": {"itemIndex": n},
            }
            for n in range(5)
        ]
    }


def report(fleet: Fleet, tally: Tally, cpu: dict[str, float]) -> bool:
    """Prints the step's line per endpoint, the waits for a socket and where the CPU went;
    whether every p99 (and the waits) met the goal."""
    devices, screens = len(fleet.tokens), len(fleet.tokens) * fleet.compress
    print(f"  {devices:>6} devices (about {screens:,.0f} real-time screens)")
    within = True
    for kind in CADENCES:
        stats = summarise(tally.latencies[kind] or [float("inf")])
        within &= stats["p99_ms"] < P99_GOAL_MS
        print(
            f"    {kind:<9} {len(tally.latencies[kind]) / fleet.seconds:8.1f} req/s  "
            f"median {stats['median_ms']:7.1f} ms  p99 {stats['p99_ms']:8.1f} ms  "
            f"failures {tally.failures(kind)}"
        )
    waits = summarise(tally.lateness or [0.0])
    within &= waits["p99_ms"] < P99_GOAL_MS and tally.unsent == 0
    print(
        f"    sent late (no free socket, or the loop busy): median {waits['median_ms']:.1f} ms, "
        f"p99 {waits['p99_ms']:.1f} ms; not sent before the step ended: {tally.unsent}"
    )
    print(
        f"    CPU, share of one core: API process {cpu['api']:.0%}, "
        f"this generator {cpu['generator']:.0%}, the rest (PostgreSQL, the machine) "
        f"{cpu['rest']:.0%}; "
        f"the API per 1,000 real-time screens {cpu['api'] / screens * 1000:.1%}"
    )
    return within


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat)."""
    jiffies = [int(n) for n in Path("/proc/stat").read_text().split()[1:9]]
    idle_and_iowait = jiffies[3] + jiffies[4]
    return (sum(jiffies) - idle_and_iowait) / os.sysconf("SC_CLK_TCK")


def measured_step(host: str, port: int, fleet: Fleet, connections: int, api_pid: int) -> bool:
    """Warms the step's screens up (each polls once, as a running fleet already has), then
    runs the step and reports it; whether it met the goal."""
    warmup = Fleet(fleet.tokens, fleet.compress, CADENCES["manifest"] / fleet.compress)
    asyncio.run(run_step(host, port, warmup, connections))
    before = cpu_seconds(api_pid), time.process_time(), machine_busy_seconds(), time.monotonic()
    tally = asyncio.run(run_step(host, port, fleet, connections))
    after = cpu_seconds(api_pid), time.process_time(), machine_busy_seconds(), time.monotonic()
    api, generator, machine, elapsed = (b - a for a, b in zip(before, after, strict=True))
    cpu = {"api": api / elapsed, "generator": generator / elapsed}
    cpu["rest"] = machine / elapsed - cpu["api"] - cpu["generator"]
    return report(fleet, tally, cpu)


def lift_limits(url: str) -> None:
    database = Database.connect(url)
    with database.unit_of_work() as session:
        for tenant in session.scalars(select(Tenant)):
            tenant.rate_limit_overrides = {**(tenant.rate_limit_overrides or {}), **LIFTED}
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", default="200,500,1000", help="the curve's fleet sizes")
    parser.add_argument("--compress", type=float, default=30.0, help="time compression factor")
    parser.add_argument("--seconds", type=float, default=20.0, help="per step")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.devices.split(","))

    admin = postgres.admin_url()
    name = postgres.create_database_from(admin, postgres.ensure_template(admin))
    url = postgres.with_database(admin, name)
    port = free_port()
    env = {
        **os.environ,
        "SIGNAGE_DATABASE_URL": url,
        "SIGNAGE_JWT_SECRET": SECRET,
        "SIGNAGE_ENVIRONMENT": "test",
        "SIGNAGE_LOG_LEVEL": "WARNING",
        "SIGNAGE_DATA_DIR": "/tmp/signage-bench",
    }
    server = None
    try:
        tokens = prepare(url, max(sizes))
        lift_limits(url)
        server = start_uvicorn(["--factory", "api.main:app_from_env"], port, env)
        print(
            f"fleet: compression x{args.compress:g}, {args.seconds:g} s per step, "
            f"one API process, {args.connections} connections"
        )
        sustained = 0
        for size in sizes:
            fleet = Fleet(tokens[:size], args.compress, args.seconds)
            if measured_step("127.0.0.1", port, fleet, args.connections, server.pid):
                sustained = size
        print(
            f"sustained devices per API process with every p99 < {P99_GOAL_MS:.0f} ms: "
            f"{sustained} at x{args.compress:g} (about {sustained * args.compress:,.0f} "
            "real-time screens)"
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)
        postgres.drop_database(admin, name)


if __name__ == "__main__":
    main()
