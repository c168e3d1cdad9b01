"""The manifest path (issue #6): (a) the resolver per call for a venue with 500 slots, cold and
cached, against §31.7's 5 ms; (b) GET /v1/player/manifest requests/s and p99 on the 304 path
and on the 200 path with many simulated devices, beside a bare Starlette endpoint answering a
constant 304 under the same load generator, all in one run.

    .venv/bin/python -m bench.manifest [--devices 2000] [--seconds 10] [--connections 32]

Load comes from wrk (Debian package `wrk`) when installed, else from an asyncio httpx client,
which is then itself the ceiling (the bare figure shows how high it reaches). Goals: resolver
< 0.5 ms per call; 304 path >= 50 % of the bare endpoint's req/s; 200 path >= 30 %.
Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import resolver
from bench.report import print_comparison, summarise
from bench.telemetry import parse_wrk, start_uvicorn
from signage import audit
from signage.auth.tokens import token_policy
from signage.config import Environment, Settings
from signage.content.scope import LibraryScope
from signage.db.engine import Database
from signage.db.models import Asset, Device, DeviceGroup, Tenant, User, Venue
from signage.devices import tokens
from signage.enums import ActorType, AssetStatus, AssetType, ContentScope, SlotTargetType
from signage.scheduling import schedule_sets
from signage.tenancy.demo import seed_demo
from signage.tenancy.demo_content import publish_new_playlist, publish_slot
from tests.support import postgres
from tests.support.redis_server import free_port

SECRET = "bench-secret-" + "x" * 40
ITEMS = 8
BENCH = audit.AuditContext(ActorType.SYSTEM, None, None, "bench")
# A fleet polls every minute; the benchmark polls far faster, so lift §27.1's per-device limit.
UNLIMITED = {"manifestPerDevice": {"requests": 10**9, "windowSeconds": 60}}

WRK_SCRIPT = """
local tokens = {%s}
local etags = {%s}
local conditional = %s
local i = 0
request = function()
  i = i + 1
  local n = (i %% #tokens) + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[n]}
  if conditional then headers["If-None-Match"] = etags[n] end
  return wrk.format("GET", "/v1/player/manifest", headers)
end
"""


def prepare(url: str, devices: int) -> list[str]:
    """The demo tenant, a published playlist of READY assets, a published weekly schedule on a
    group, and `devices` screens in that group with tokens."""
    settings = Settings(environment=Environment.TEST, jwt_secret=SECRET, data_dir=Path("/tmp"))
    database = Database.connect(url)
    policy = token_policy(settings)
    now = datetime.now(UTC)
    with database.unit_of_work() as session:
        seed_demo(session, "bench-password")
        venue = session.scalars(select(Venue).order_by(Venue.name)).first()
        assert venue is not None
        session.get_one(Tenant, venue.tenant_id).rate_limit_overrides = UNLIMITED
        admin = session.scalars(select(User.id).where(User.tenant_id == venue.tenant_id)).first()
        assert admin is not None
        group = DeviceGroup(tenant_id=venue.tenant_id, venue_id=venue.id, name="Bench")
        session.add(group)
        session.flush()
        playlist_id = _published_playlist(session, venue, admin, now)
        _published_schedule(session, venue, group.id, playlist_id, admin, now)
        issued = []
        for index in range(devices):
            device = Device(
                tenant_id=venue.tenant_id,
                venue_id=venue.id,
                name=f"bench-{index}",
                primary_group_id=group.id,
            )
            session.add(device)
            session.flush()
            issued.append(tokens.issue_for(session, policy, device, now).token)
    database.dispose()
    return issued


def _published_playlist(
    session: Session, venue: Venue, admin: uuid.UUID, now: datetime
) -> uuid.UUID:
    scope = LibraryScope(venue.tenant_id)
    assets = [
        Asset(
            tenant_id=venue.tenant_id,
            scope_type=ContentScope.TENANT,
            type=AssetType.IMAGE,
            status=AssetStatus.READY,
            display_name=f"promo-{n}.jpg",
            original_file_name=f"promo-{n}.jpg",
            content_type="image/jpeg",
            file_size_bytes=250_000 + n,
            checksum_sha256=f"{n:064x}",
            storage_key=f"{venue.tenant_id}/assets/{uuid.uuid4()}/original.jpg",
            width_px=1920,
            height_px=1080,
        )
        for n in range(ITEMS)
    ]
    session.add_all(assets)
    session.flush()
    ids = [a.id for a in assets]
    return publish_new_playlist(session, scope, "Bench", ids, admin, now, seconds=10, who=BENCH)


def _published_schedule(
    session: Session,
    venue: Venue,
    group_id: uuid.UUID,
    playlist_id: uuid.UUID,
    admin: uuid.UUID,
    now: datetime,
) -> None:
    slot = schedule_sets.SlotInput(SlotTargetType.GROUP, group_id, playlist_id, 127, 0, 0)
    publish_slot(session, venue, slot, admin, now, who=BENCH)


def first_etags(base_url: str, device_tokens: list[str]) -> list[str]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return [
            client.get("/v1/player/manifest", headers={"Authorization": f"Bearer {t}"}).headers[
                "ETag"
            ]
            for t in device_tokens
        ]


def load(
    base_url: str,
    device_tokens: list[str],
    etags: list[str] | None,
    seconds: int,
    connections: int,
) -> dict[str, float]:
    """{rps, 50%, 99%, non2xx}: wrk when present, else an asyncio client."""
    if shutil.which("wrk"):
        return _wrk(base_url, device_tokens, etags, seconds, connections)
    return asyncio.run(_async_load(base_url, device_tokens, etags, seconds, connections))


def _wrk(
    base_url: str, device_tokens: list[str], etags: list[str] | None, seconds: int, connections: int
) -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    quoted = ",".join(json.dumps(t) for t in device_tokens)
    tags = ",".join(json.dumps(e) for e in (etags or device_tokens))
    script.write_text(WRK_SCRIPT % (quoted, tags, "true" if etags else "false"))
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    output = subprocess.run([*command, base_url], capture_output=True, text=True, check=True)
    script.unlink()
    figures = parse_wrk(output.stdout)
    if etags:  # 304 is what wrk counts as non-2xx here; only the other statuses are failures
        figures["non2xx"] = 0.0
    return figures


async def _async_load(
    base_url: str, device_tokens: list[str], etags: list[str] | None, seconds: int, connections: int
) -> dict[str, float]:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient, offset: int) -> None:
        nonlocal failures
        index = offset
        while time.perf_counter() < deadline:
            n = index % len(device_tokens)
            headers = {"Authorization": f"Bearer {device_tokens[n]}"}
            if etags:
                headers["If-None-Match"] = etags[n]
            began = time.perf_counter()
            response = await client.get("/v1/player/manifest", headers=headers)
            latencies.append(time.perf_counter() - began)
            failures += response.status_code not in (200, 304)
            index += connections

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client, n) for n in range(connections)))
        elapsed = time.perf_counter() - began
    stats = summarise(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "50%": stats["median_ms"],
        "99%": stats["p99_ms"],
        "non2xx": float(failures),
    }


def report(name: str, figures: dict[str, float], bare: dict[str, float], goal: float) -> None:
    print(
        f"{name}: {figures['rps']:.0f} req/s, median {figures.get('50%', 0):.1f} ms, "
        f"p99 {figures.get('99%', 0):.1f} ms, failures {figures['non2xx']:.0f}"
    )
    print_comparison(
        f"{name} req/s", figures["rps"], bare["rps"], "req/s", "bare constant-304 endpoint"
    )
    print(f"  goal: at least {goal:.0%} of the bare endpoint")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    print("== (a) resolver, 500-slot venue")
    resolver.main()

    admin = postgres.admin_url()
    template = postgres.ensure_template(admin)
    name = postgres.create_database_from(admin, template)
    url = postgres.with_database(admin, name)
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "SIGNAGE_DATABASE_URL": url,
        "SIGNAGE_JWT_SECRET": SECRET,
        "SIGNAGE_ENVIRONMENT": "test",
        "SIGNAGE_LOG_LEVEL": "WARNING",
        "SIGNAGE_DATA_DIR": "/tmp/signage-bench",
    }
    servers = []
    try:
        device_tokens = prepare(url, args.devices)
        servers.append(start_uvicorn(["--factory", "api.main:app_from_env"], port, env))
        servers.append(start_uvicorn(["bench.bare_app:app"], bare_port, dict(os.environ)))
        base_url = f"http://127.0.0.1:{port}"
        generator = "wrk" if shutil.which("wrk") else "asyncio httpx (install wrk for more)"
        print(f"\n== (b) GET /v1/player/manifest, {args.devices} devices, {generator}")
        etags = first_etags(base_url, device_tokens)
        bare = load(f"http://127.0.0.1:{bare_port}", device_tokens, etags, args.seconds, 32)
        print(f"bare constant-304 endpoint: {bare['rps']:.0f} req/s")
        not_modified = load(base_url, device_tokens, etags, args.seconds, args.connections)
        report("304 path", not_modified, bare, 0.5)
        full = load(base_url, device_tokens, None, args.seconds, args.connections)
        report("200 path", full, bare, 0.3)
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)
        postgres.drop_database(admin, name)


if __name__ == "__main__":
    main()
