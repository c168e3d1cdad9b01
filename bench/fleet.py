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
import os
import random
import signal
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from bench.manifest import SECRET, prepare
from bench.report import summarise
from bench.telemetry import start_uvicorn
from signage.db.engine import Database
from signage.db.models import Tenant
from tests.support import postgres
from tests.support.devices import heartbeat_body
from tests.support.redis_server import free_port

# The player's own cadences in seconds (§27.8; player/ defaults), before compression.
CADENCES = {"manifest": 60.0, "heartbeat": 60.0, "commands": 30.0, "events": 300.0}
JITTER = 0.1  # ±10 %, like the manifest's nextCheckSeconds
P99_GOAL_MS = 100.0
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
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))


async def device(
    client: httpx.AsyncClient, token: str, compress: float, until: float, tally: Tally
) -> None:
    """One screen: each kind of request on its own jittered clock, until `until`."""
    headers = {"Authorization": f"Bearer {token}"}
    etag: str | None = None
    due = {
        kind: time.monotonic() + random.uniform(0, every / compress)
        for kind, every in CADENCES.items()
    }
    while True:
        kind, at = min(due.items(), key=lambda item: item[1])
        if at >= until:
            return
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        etag = await _request(client, kind, headers, etag, tally)
        every = CADENCES[kind] / compress
        due[kind] = at + every * random.uniform(1 - JITTER, 1 + JITTER)


async def _request(
    client: httpx.AsyncClient, kind: str, headers: dict[str, str], etag: str | None, tally: Tally
) -> str | None:
    began = time.perf_counter()
    if kind == "manifest":
        response = await client.get(
            "/v1/player/manifest", headers={**headers, **({"If-None-Match": etag} if etag else {})}
        )
        etag = response.headers.get("ETag", etag)
    elif kind == "heartbeat":
        response = await client.post("/v1/player/heartbeat", json=heartbeat_body(), headers=headers)
    elif kind == "commands":
        response = await client.get("/v1/player/commands", headers=headers)
    else:
        response = await client.post("/v1/player/events", json=_events(), headers=headers)
    tally.latencies[kind].append(time.perf_counter() - began)
    tally.failures[kind] += response.status_code not in (200, 204, 304)
    return etag


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


async def run_step(
    base_url: str, tokens: list[str], compress: float, seconds: float, connections: int
) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(*(device(client, t, compress, until, tally) for t in tokens))
    return tally


def report(devices: int, tally: Tally, seconds: float) -> bool:
    """Prints the step's line per endpoint; whether every p99 met the goal."""
    within = True
    for kind in CADENCES:
        samples = tally.latencies.get(kind, [])
        if not samples:
            continue
        stats = summarise(samples)
        within &= stats["p99_ms"] < P99_GOAL_MS
        print(
            f"  {devices:>6} devices  {kind:<9} {len(samples) / seconds:8.1f} req/s  "
            f"median {stats['median_ms']:6.1f} ms  p99 {stats['p99_ms']:7.1f} ms  "
            f"failures {tally.failures[kind]}"
        )
    return within


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
        base_url = f"http://127.0.0.1:{port}"
        print(
            f"fleet: compression x{args.compress:g}, {args.seconds:g} s per step, one API process"
        )
        sustained = 0
        for size in sizes:
            tally = asyncio.run(
                run_step(base_url, tokens[:size], args.compress, args.seconds, args.connections)
            )
            if report(size, tally, args.seconds):
                sustained = size
        real_time = sustained * args.compress
        print(
            f"sustained devices per API process with every p99 < {P99_GOAL_MS:.0f} ms: "
            f"{sustained} at x{args.compress:g} (about {real_time:,.0f} real-time screens)"
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)
        postgres.drop_database(admin, name)


if __name__ == "__main__":
    main()
