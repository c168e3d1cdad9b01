"""Telemetry ingestion: heartbeats/s and events/s through the real API (uvicorn in its own
process, many simulated devices) beside a bare psycopg COPY of the same rows into the same
tables, measured in the same run.

    .venv/bin/python bench/telemetry.py [--devices 2000] [--concurrency 32]

Goal (issue #4): >= 1,000 heartbeats/s with p99 < 100 ms. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import print_comparison, summarise
from signage.auth.tokens import token_policy
from signage.config import Environment, Settings
from signage.db.engine import Database
from signage.db.models import Device, Venue
from signage.devices import tokens
from signage.tenancy.demo import seed_demo
from tests.support import postgres
from tests.support.devices import heartbeat_body
from tests.support.redis_server import free_port

SECRET = "bench-secret-" + "x" * 40
EVENTS_PER_BATCH = 20


def prepare(
    url: str, devices: int
) -> tuple[list[str], list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]]:
    settings = Settings(environment=Environment.TEST, jwt_secret=SECRET, data_dir=Path("/tmp"))
    database = Database.connect(url)
    policy = token_policy(settings)
    now = datetime.now(UTC)
    issued, identities = [], []
    with database.unit_of_work() as session:
        seed_demo(session, "bench-password")
        venue = session.scalars(select(Venue)).first()
        assert venue is not None
        for i in range(devices):
            device = Device(tenant_id=venue.tenant_id, venue_id=venue.id, name=f"bench-{i}")
            session.add(device)
            session.flush()
            issued.append(tokens.issue_for(session, policy, device, now).token)
            identities.append((venue.tenant_id, venue.id, device.id))
    database.dispose()
    return issued, identities


async def drive(
    base_url: str, requests: list[tuple[str, str, dict[str, Any]]], concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[tuple[str, str, dict[str, Any]]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            path, token, body = queue.get_nowait()
            started = time.perf_counter()
            response = await client.post(
                path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code != 204:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def copy_baseline(
    url: str, identities: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]], events: bool
) -> float:
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    with psycopg.connect(libpq) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        if events:
            sql = (
                "COPY device_events (tenant_id, venue_id, device_id, client_event_id, event_type,"
                " severity, event_time, received_at, payload) FROM STDIN"
            )
            with cursor.copy(sql) as copy:
                for tenant, venue, device in identities:
                    for _ in range(EVENTS_PER_BATCH):
                        copy.write_row(
                            (
                                tenant,
                                venue,
                                device,
                                uuid.uuid4(),
                                "PLAYBACK_FAILED",
                                "ERROR",
                                now,
                                now,
                                '{"assetId": "a"}',
                            )
                        )
        else:
            sql = (
                "COPY device_heartbeats (tenant_id, venue_id, device_id, received_at, state,"
                " cache_used_bytes, playback_failures) FROM STDIN"
            )
            with cursor.copy(sql) as copy:
                for tenant, venue, device in identities:
                    copy.write_row((tenant, venue, device, now, "PLAYING", 524288000, 0))
        conn.commit()
        return time.perf_counter() - started


def start_uvicorn(target: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *target,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.post(f"http://127.0.0.1:{port}/healthz")
            return process
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def bare_ceiling(requests: list[tuple[str, str, dict[str, Any]]], concurrency: int) -> float:
    """Requests/s of a bare Starlette endpoint under the same load generator and bodies."""
    port = free_port()
    bare = start_uvicorn(["bench.bare_app:app"], port, dict(os.environ))
    try:
        elapsed, _ = asyncio.run(drive(f"http://127.0.0.1:{port}", requests, concurrency))
        return len(requests) / elapsed
    finally:
        bare.send_signal(signal.SIGINT)
        bare.wait(timeout=10)


WRK_SCRIPT = """
local tokens = {%s}
local body = %s
local i = 0
request = function()
  i = i + 1
  local token = tokens[(i %% #tokens) + 1]
  return wrk.format("POST", "/v1/player/heartbeat",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
"""


def run_wrk(
    base_url: str, tokens: list[str], body: dict[str, Any], seconds: int, connections: int
) -> dict[str, float]:
    """One wrk thread (C, so the generator is not the ceiling); each token used at most twice
    a minute, within §27.1's per-device heartbeat limit."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    lua_tokens = ",".join(f'"{t}"' for t in tokens)
    script.write_text(WRK_SCRIPT % (lua_tokens, json.dumps(json.dumps(body))))
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    script.unlink()
    return parse_wrk(output)


def parse_wrk(output: str) -> dict[str, float]:
    figures: dict[str, float] = {"non2xx": 0.0}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(words[1])
        elif words[:1] in (["50%"], ["99%"]):
            figures[words[0]] = _milliseconds(words[1])
        elif line.strip().startswith("Non-2xx"):
            figures["non2xx"] = float(words[-1])
    return figures


def _milliseconds(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


async def warm_token_cache(base_url: str, device_tokens: list[str]) -> None:
    """One command poll and one manifest poll per device first, as a running fleet has done
    within a minute: the device checks are cached (api.device_token_cache) and each token is
    verified once (api.player_fast_path.VerifiedTokens), as in a process that has served its
    fleet for a minute. Neither spends heartbeat rate-limit budget."""
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        semaphore = asyncio.Semaphore(32)

        async def poll(token: str) -> None:
            async with semaphore:
                headers = {"Authorization": f"Bearer {token}"}
                for attempt in range(3):  # as a player would: a dropped keep-alive is retried
                    try:
                        await client.get("/v1/player/commands", headers=headers)
                        await client.get("/v1/player/manifest", headers=headers)
                        return
                    except httpx.TransportError:
                        if attempt == 2:
                            raise

        await asyncio.gather(*(poll(token) for token in device_tokens))


def wrk_mode(url: str, device_tokens: list[str], base_url: str, seconds: int) -> None:
    beat = heartbeat_body()
    del beat["deviceTime"]
    asyncio.run(warm_token_cache(base_url, device_tokens))
    api = run_wrk(base_url, device_tokens, beat, seconds, connections=32)
    port = free_port()
    bare = start_uvicorn(["bench.bare_app:app"], port, dict(os.environ))
    try:
        ceiling = run_wrk(f"http://127.0.0.1:{port}", device_tokens, beat, seconds, 32)
    finally:
        bare.send_signal(signal.SIGINT)
        bare.wait(timeout=10)
    print(
        f"wrk, 32 connections, {seconds} s: API heartbeats {api['rps']:.0f}/s, "
        f"median {api.get('50%', 0):.1f} ms, p99 {api.get('99%', 0):.1f} ms, "
        f"non-2xx {api['non2xx']:.0f}"
    )
    print_comparison(
        "API heartbeats/s (wrk)",
        api["rps"],
        ceiling["rps"],
        "req/s",
        "bare Starlette endpoint, same wrk",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--wrk",
        type=int,
        default=0,
        metavar="SECONDS",
        help="drive heartbeats with wrk (Debian package) for SECONDS instead",
    )
    args = parser.parse_args()
    if args.wrk and not shutil.which("wrk"):
        parser.error("--wrk needs wrk on the PATH (Debian package `wrk`)")

    admin = postgres.admin_url()
    template = postgres.ensure_template(admin)
    name = postgres.create_database_from(admin, template)
    url = postgres.with_database(admin, name)
    port = free_port()
    server = None
    try:
        device_tokens, identities = prepare(url, args.devices)
        env = {
            **os.environ,
            "SIGNAGE_DATABASE_URL": url,
            "SIGNAGE_JWT_SECRET": SECRET,
            "SIGNAGE_ENVIRONMENT": "test",
            "SIGNAGE_LOG_LEVEL": "WARNING",
            "SIGNAGE_DATA_DIR": "/tmp/signage-bench",
        }
        server = start_uvicorn(
            [
                "--factory",
                "api.main:app_from_env",
                "--limit-concurrency",
                "80",
                "--workers",
                str(args.workers),
            ],
            port,
            env,
        )
        base_url = f"http://127.0.0.1:{port}"

        if args.wrk:
            wrk_mode(url, device_tokens, base_url, args.wrk)
            return
        beat = heartbeat_body()
        del beat["deviceTime"]
        heartbeats = [("/v1/player/heartbeat", token, beat) for token in device_tokens]
        elapsed, latencies = asyncio.run(drive(base_url, heartbeats, args.concurrency))
        copy_elapsed = copy_baseline(url, identities, events=False)
        stats = summarise(latencies)
        print(
            f"heartbeats: {len(heartbeats)} from {args.devices} devices, "
            f"{args.workers} API worker(s), concurrency {args.concurrency}: "
            f"median {stats['median_ms']:.1f} ms, "
            f"p99 {stats['p99_ms']:.1f} ms"
        )
        rate = len(heartbeats) / elapsed
        print_comparison(
            "API heartbeats/s", rate, len(heartbeats) / copy_elapsed, "rows/s", "bare COPY rows/s"
        )
        print_comparison(
            "API heartbeats/s",
            rate,
            bare_ceiling(heartbeats, args.concurrency),
            "req/s",
            "bare Starlette endpoint, same load generator",
        )

        event = {
            "eventType": "PLAYBACK_FAILED",
            "eventTimeUtc": "2026-01-01T00:00:00Z",
            "severity": "ERROR",
            "payload": {"assetId": "a"},
        }
        batches = [
            (
                "/v1/player/events",
                token,
                {
                    "events": [
                        {**event, "eventId": str(uuid.uuid4())} for _ in range(EVENTS_PER_BATCH)
                    ]
                },
            )
            for token in device_tokens
        ]
        elapsed, latencies = asyncio.run(drive(base_url, batches, args.concurrency))
        copy_elapsed = copy_baseline(url, identities, events=True)
        count = len(batches) * EVENTS_PER_BATCH
        stats = summarise(latencies)
        print(
            f"event batches of {EVENTS_PER_BATCH}: median {stats['median_ms']:.1f} ms, "
            f"p99 {stats['p99_ms']:.1f} ms"
        )
        print_comparison(
            "API events/s", count / elapsed, count / copy_elapsed, "rows/s", "bare COPY rows/s"
        )
        print_comparison(
            "API event batches/s",
            len(batches) / elapsed,
            bare_ceiling(batches, args.concurrency),
            "req/s",
            "bare Starlette endpoint, same load generator",
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)
        postgres.drop_database(admin, name)


if __name__ == "__main__":
    main()
