"""The deployment test's checks (issue 16 item 3), one step per subcommand, run by
deploy/test-deploy.sh in a container on the topology's network. Every request to the platform
goes through nginx over HTTPS (PUBLIC_URL, verified against the topology's own certificate);
the Dagster webserver is asked over its private port only to show the runs. Steps share what
they made through a JSON file in the check-state volume. Exit status 1 with one line on
stderr when a check fails."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

PUBLIC_URL = os.environ.get("PUBLIC_URL", "https://signage.test")
DAGSTER_GRAPHQL = os.environ.get("DAGSTER_GRAPHQL", "http://dagster-webserver:3000/graphql")
STATE = Path(os.environ.get("CHECK_STATE", "/state/state.json"))
PLAYER_STATE = Path(os.environ.get("PLAYER_STATE", "/player/state.json"))
MANAGER = "manager@demo.example"
# Tenant overrides for the test's fast player (§27.1: tuneable per tenant).
FAST_DEVICE_LIMITS = {
    category: {"requests": 60, "windowSeconds": 60}
    for category in ("manifestPerDevice", "heartbeatPerDevice", "commandsPerDevice")
}


class CheckFailedError(Exception):
    pass


def state() -> dict[str, Any]:
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def save(**values: Any) -> None:
    STATE.write_text(json.dumps({**state(), **values}))


def client() -> httpx.Client:
    return httpx.Client(base_url=PUBLIC_URL, timeout=30)


def wait_for(what: str, condition: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailedError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(1)


def sign_in(api: httpx.Client, password: str) -> dict[str, str]:
    """The manager's bearer header. The checks sign in from one address many times, so the
    §27.1 login limit may answer 429: wait out its Retry-After (as a client must) and retry."""
    for _ in range(3):
        response = api.post("/v1/auth/login", json={"email": MANAGER, "password": password})
        if response.status_code != 429:
            break
        time.sleep(min(int(response.headers.get("Retry-After", "5")), 70) + 1)
    if response.status_code != 200:
        raise CheckFailedError(f"sign-in answered {response.status_code}: {response.text[:200]}")
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


def expect(response: httpx.Response, *codes: int) -> httpx.Response:
    if response.status_code not in codes:
        raise CheckFailedError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:300]}"
        )
    return response


def upload(api: httpx.Client, auth: dict[str, str], venue: str, path: Path, kind: str) -> str:
    """Declare, PUT the bytes to the signed object-store URL (through nginx), complete."""
    import hashlib

    body = {
        "fileName": path.name,
        "contentType": kind,
        "fileSizeBytes": path.stat().st_size,
        "checksumSha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    # A forged Host / X-Forwarded-Host must not steer what the API signs: its URLs come from
    # the configured public origin (rendered manifests are shared by every device of a venue,
    # so a client's header in them would poison the others' — docs/deployment.md).
    forged = {**auth, "Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    session = expect(api.post(f"{venue}/assets/uploads", json=body, headers=forged), 201).json()
    if not session["uploadUrl"].startswith(f"{PUBLIC_URL}/s3/"):
        raise CheckFailedError(f"upload URL is not the public object store: {session['uploadUrl']}")
    expect(
        api.put(session["uploadUrl"], content=path.read_bytes(), headers=session["uploadHeaders"]),
        200,
    )
    done = api.post(f"{venue}/assets/uploads/{session['uploadId']}/complete", headers=auth)
    return str(expect(done, 200).json()["assetId"])


def asset_status(api: httpx.Client, auth: dict[str, str], venue: str, asset: str) -> str:
    return str(expect(api.get(f"{venue}/assets/{asset}", headers=auth), 200).json()["status"])


RUNS = """query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) { ... on Runs { results { runId status } } } }"""
RUN_LOGS = """query Logs($runId: ID!) {
  logsForRun(runId: $runId) {
    ... on EventConnection { events { ... on MessageEvent { message } } } } }"""


def graphql(query: str, variables: dict[str, object]) -> dict:
    answer = httpx.post(DAGSTER_GRAPHQL, json={"query": query, "variables": variables}, timeout=10)
    return answer.json()["data"]


def dagster_runs_for(asset: str) -> list[str]:
    """The statuses of the topology's Dagster runs that ingested the asset: the warm worker's
    `ingest_uploads_job` run whose log names it (issue 18 item 1), or a backstop run tagged
    with it."""
    tagged = {"tags": [{"key": "assetId", "value": asset}]}
    windows = {"pipelineName": "ingest_uploads_job"}
    backstop = graphql(RUNS, {"filter": tagged})["runsOrError"]["results"]
    statuses = [run["status"] for run in backstop]
    for run in graphql(RUNS, {"filter": windows})["runsOrError"]["results"]:
        events = graphql(RUN_LOGS, {"runId": run["runId"]})["logsForRun"].get("events", [])
        if any(f"asset {asset}: READY" in (event.get("message") or "") for event in events):
            statuses.append(run["status"])
    return statuses


def media(kind: str) -> Path:
    from tests.support.media_factory import make_jpeg, make_mp4

    folder = Path(tempfile.mkdtemp())
    if kind == "image":
        return make_jpeg(folder / f"photo-{random.randrange(10**6)}.jpg", 640, 360)
    return make_mp4(folder / "clip.mp4", width=64, height=36, seconds=2.0)


# -- steps ---------------------------------------------------------------------------------


def step_content(args: argparse.Namespace) -> str:
    """Sign in, upload an image and a video, both READY through Dagster (runs in its
    webserver), publish a playlist of both and a weekly schedule for a group."""
    with client() as api:
        auth = sign_in(api, args.password)
        venues = expect(api.get("/v1/me/venues", headers=auth), 200).json()["items"]
        managed = [v for v in venues if v["accessRole"] in ("VENUE_MANAGER", "TENANT_ADMIN")]
        venue = f"/v1/venues/{managed[0]['venueId']}"
        assets = [
            upload(api, auth, venue, media(kind), mime)
            for kind, mime in (("image", "image/jpeg"), ("video", "video/mp4"))
        ]
        for asset in assets:
            wait_for(
                f"asset {asset} READY",
                lambda a=asset: asset_status(api, auth, venue, a) == "READY",
                120,
            )
            wait_for(  # the worker's run stays open (STARTED) for its window
                f"a Dagster run that ingested {asset}",
                lambda a=asset: {"SUCCESS", "STARTED"} & set(dagster_runs_for(a)),
                120,
            )
        created = expect(api.post(f"{venue}/playlists", json={"name": "Deploy"}, headers=auth), 201)
        playlist = created.json()["playlistId"]
        items = [{"assetId": assets[0], "durationSeconds": 2}, {"assetId": assets[1]}]
        etag = expect(
            api.put(
                f"{venue}/playlists/{playlist}/items",
                json={"items": items},
                headers={**auth, "If-Match": created.headers["ETag"]},
            ),
            200,
        )
        expect(
            api.post(
                f"{venue}/playlists/{playlist}/publish",
                headers={**auth, "If-Match": etag.headers["ETag"]},
            ),
            200,
        )
        group = expect(api.post(f"{venue}/groups", json={"name": "Deploy"}, headers=auth), 201)
        group_id = group.json()["groupId"]
        schedule_etag = api.get(f"{venue}/scheduleset", headers=auth).headers["ETag"]
        slot = {
            "targetType": "GROUP",
            "targetId": group_id,
            "playlistId": playlist,
            "daysOfWeekMask": 127,
            "startMinutes": 0,
            "endMinutes": 0,
        }
        added = expect(
            api.post(
                f"{venue}/scheduleset/slots", json=slot, headers={**auth, "If-Match": schedule_etag}
            ),
            201,
        )
        expect(
            api.post(
                f"{venue}/scheduleset/publish", headers={**auth, "If-Match": added.headers["ETag"]}
            ),
            200,
        )
    save(venue=venue, assets=assets, group=group_id, playlist=playlist)
    return f"2 assets READY via Dagster runs, playlist {playlist} and schedule published"


def step_pair(args: argparse.Namespace) -> str:
    """Pair the headless reference player by the code it shows; wait for PLAYING in the
    device view (its heartbeat)."""
    known = state()
    with client() as api:
        auth = sign_in(api, args.password)
        code = wait_for(
            "the player's pairing code",
            lambda: (
                json.loads(PLAYER_STATE.read_text()).get("pairing_code")
                if PLAYER_STATE.exists()
                else None
            ),
            120,
        )
        claimed = expect(
            api.post(
                f"{known['venue']}/devices/pairing/claim",
                headers=auth,
                json={"pairingCode": code, "name": "Deploy player", "groupId": known["group"]},
            ),
            201,
        )
        device = claimed.json()["deviceId"]
        save(player_device=device)
        wait_player_playing(api, auth, f"{known['venue']}/devices/{device}", args.timeout)
    return f"player {device} paired by code, PLAYING in the device view"


def wait_player_playing(api: httpx.Client, auth: dict[str, str], url: str, timeout: float) -> None:
    def playing() -> bool:
        status = expect(api.get(url, headers=auth), 200).json().get("status") or {}
        return status.get("state") == "PLAYING"

    wait_for("the player to report PLAYING", playing, timeout)


def step_player_still_playing(args: argparse.Namespace) -> str:
    """After down/up: the same device (same token) heartbeats PLAYING again, and the
    content made before is still there with its bytes."""
    known = state()
    with client() as api:
        auth = sign_in(api, args.password)
        since = datetime.now(UTC)
        url = f"{known['venue']}/devices/{known['player_device']}"

        def fresh_heartbeat() -> bool:
            status = expect(api.get(url, headers=auth), 200).json().get("status") or {}
            last = status.get("lastHeartbeatAtUtc")
            heard = last is not None and datetime.fromisoformat(last.replace("Z", "+00:00"))
            return status.get("state") == "PLAYING" and bool(heard) and heard > since

        wait_for("a new PLAYING heartbeat from the player", fresh_heartbeat, args.timeout)
        for asset in known["assets"]:
            found = expect(api.get(f"{known['venue']}/assets/{asset}", headers=auth), 200).json()
            if found["status"] != "READY":
                raise CheckFailedError(f"asset {asset} is {found['status']} after restart")
    return "data kept; the player carried on with its token (new PLAYING heartbeat)"


def step_limits(args: argparse.Namespace) -> str:
    """The test's per-device limits (§27.1 tuneable per tenant) for every tenant, set first:
    API processes cache a tenant's overrides for a minute."""
    from sqlalchemy import update

    from signage.config import Settings
    from signage.db.engine import Database
    from signage.db.models import Tenant

    database = Database.connect(Settings().database_url or "")
    with database.unit_of_work() as session:
        session.execute(update(Tenant).values(rate_limit_overrides=FAST_DEVICE_LIMITS))
    database.dispose()
    return f"per-device limits {FAST_DEVICE_LIMITS['manifestPerDevice']}"


def step_fleet(args: argparse.Namespace) -> str:
    """Simulated devices for the load: rows and tokens made with the domain (set-up, not a
    check), written to the state file."""
    import uuid

    from sqlalchemy import select

    from signage.auth.tokens import token_policy
    from signage.config import Settings
    from signage.db.engine import Database
    from signage.db.models import Device, Venue
    from signage.devices import tokens
    from signage.epochs import bump_venue_epoch

    settings = Settings()
    database = Database.connect(settings.database_url or "")
    issued: list[list[str]] = []
    venue_id = uuid.UUID(state()["venue"].rsplit("/", 1)[1])
    with database.unit_of_work() as session:
        venue = session.scalars(select(Venue).where(Venue.id == venue_id)).one()
        for i in range(args.devices):
            device = Device(tenant_id=venue.tenant_id, venue_id=venue.id, name=f"sim-{i}")
            session.add(device)
            session.flush()
            token = tokens.issue_for(session, token_policy(settings), device, datetime.now(UTC))
            issued.append([str(device.id), token.token])
        # as pairing does: the API's cached venue snapshot learns of the new devices
        bump_venue_epoch(session, venue.id, datetime.now(UTC))
    database.dispose()
    save(fleet=issued)
    return f"{len(issued)} simulated devices"


def heartbeat() -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "deviceTime": now,
        "appVersion": "1.2.0",
        "state": "PLAYING",
        "network": {"connected": True, "type": "ETHERNET", "lastSyncAtUtc": now},
        "errors": {"playbackFailures": 0, "downloadFailures": 0, "manifestFetchFailures": 0},
    }


RETRY_BACKOFF_SECONDS = (1, 2, 4, 8)


async def device_loop(
    http: httpx.AsyncClient, token: str, until: float, outcomes: Counter[str]
) -> None:
    """One simulated device: a manifest poll and a heartbeat every ~5 s. A request that fails
    (5xx, 429 or no answer) is retried after 1, 2, 4 and 8 s, as the player backs off
    (§27.1); only one that fails every retry is lost."""
    auth = {"Authorization": f"Bearer {token}"}
    await asyncio.sleep(random.uniform(0, 5))
    while time.monotonic() < until:
        for method, path, body in (
            ("GET", "/v1/player/manifest", None),
            ("POST", "/v1/player/heartbeat", heartbeat()),
        ):
            outcomes[await with_retries(http, method, path, body, auth)] += 1
        await asyncio.sleep(random.uniform(4, 6))


async def with_retries(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    auth: dict[str, str],
) -> str:
    failures: list[str] = []
    for backoff in (*RETRY_BACKOFF_SECONDS, None):
        try:
            answer = await http.request(method, path, json=body, headers=auth)
            if answer.status_code < 400:
                return f"ok after {len(failures)} retries" if failures else "ok"
            if answer.status_code < 500 and answer.status_code != 429:
                return f"refused {answer.status_code}"  # a client error: not retried
            failures.append(str(answer.status_code))
        except httpx.HTTPError as exc:
            failures.append(type(exc).__name__)
        if backoff is not None:
            await asyncio.sleep(backoff)
    return f"lost ({'/'.join(failures)})"


async def drive(tokens: list[str], seconds: float) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=PUBLIC_URL, timeout=15, limits=limits) as http:
        until = time.monotonic() + seconds
        await asyncio.gather(*(device_loop(http, t, until, outcomes) for t in tokens))
    return outcomes


def step_load(args: argparse.Namespace) -> str:
    """Manifest polls and heartbeats from the simulated fleet for a bounded time (the shell
    kills and restarts a replica meanwhile). Fails if any request failed after its retry."""
    outcomes = asyncio.run(drive([token for _, token in state()["fleet"]], args.seconds))
    lost = sum(n for key, n in outcomes.items() if key.startswith(("lost", "refused")))
    summary = ", ".join(f"{key}: {n}" for key, n in sorted(outcomes.items()))
    if lost or not outcomes["ok"]:
        raise CheckFailedError(f"requests lost under replica loss ({summary})")
    return summary


def served_by(response: httpx.Response) -> str:
    return response.headers.get("X-Served-By", "?")


def step_lockout(args: argparse.Namespace) -> str:
    """§27.1's login limit per account and address (5 a minute) counted in Redis: five wrong
    passwords spread over both management replicas lock the account on both, so the right
    password is refused too. Per-replica counters would let it through."""
    account = "viewer@demo.example"
    with client() as api:
        wrong = [
            api.post("/v1/auth/login", json={"email": account, "password": "wrong"})
            for _ in range(5)
        ]
        if {a.status_code for a in wrong} != {401} or len({served_by(a) for a in wrong}) < 2:
            raise CheckFailedError(
                "wrong passwords: " + ", ".join(f"{a.status_code} by {served_by(a)}" for a in wrong)
            )
        locked = [
            api.post("/v1/auth/login", json={"email": account, "password": args.password})
            for _ in range(4)
        ]
    if {a.status_code for a in locked} != {429}:
        raise CheckFailedError(
            "after 5 failures: " + ", ".join(f"{a.status_code} by {served_by(a)}" for a in locked)
        )
    replicas = sorted({served_by(a) for a in wrong + locked})
    return f"5 failures over {replicas} lock the account on every replica (429)"


def step_database_token(args: argparse.Namespace) -> str:
    """Before PostgreSQL stops: a bearer token for the steps that follow (no sign-in then)."""
    with client() as api:
        save(database_auth=sign_in(api, args.password))
    return "signed in"


def _reads_of_me(api: httpx.Client, count: int) -> list[httpx.Response]:
    return [api.get("/v1/me", headers=state()["database_auth"]) for _ in range(count)]


def step_database_down(args: argparse.Namespace) -> str:
    """PostgreSQL stopped by the shell: /readyz is 503 and a request that needs the database is
    a 503 problem with Retry-After from every replica that answers, never a 500 (issue 16, bad
    input and faults)."""
    with client() as api:
        wait_for("/readyz 503", lambda: api.get("/readyz").status_code == 503, 60)
        answers = _reads_of_me(api, 4)
    refused = [
        a
        for a in answers
        if a.status_code != 503
        or "Retry-After" not in a.headers
        or not a.headers.get("content-type", "").startswith("application/problem+json")
    ]
    if refused:
        raise CheckFailedError(
            "with the database down: "
            + ", ".join(f"{a.status_code} {a.text[:80]} by {served_by(a)}" for a in refused)
        )
    replicas = sorted({served_by(a) for a in answers})
    return f"/readyz 503; GET /v1/me 503 problem+json with Retry-After from {replicas}"


def step_database_back(args: argparse.Namespace) -> str:
    """PostgreSQL started again: the replicas reconnect by themselves."""
    started = time.monotonic()
    with client() as api:
        wait_for("/readyz 200", lambda: api.get("/readyz").status_code == 200, 120)
        wait_for("GET /v1/me 200", lambda: _reads_of_me(api, 1)[0].status_code == 200, 60)
        served = {served_by(a) for a in _reads_of_me(api, 4) if a.status_code == 200}
    elapsed = time.monotonic() - started
    return f"answering {elapsed:.0f} s after PostgreSQL returned, by {sorted(served)}"


def step_device_removal(args: argparse.Namespace) -> str:
    """A device removed through a management replica is refused (401) at its next request by
    each edge replica, though each had cached its token check (revocation via Redis)."""
    known = state()
    device, token = known["fleet"][0]
    device_auth = {"Authorization": f"Bearer {token}"}
    with client() as api:
        warmed = on_each_edge(api, device_auth, {200, 304})
        auth = sign_in(api, args.password)
        removal = expect(api.delete(f"{known['venue']}/devices/{device}", headers=auth), 204)
        refused = on_each_edge(api, device_auth, {401})
    return f"removed by {served_by(removal)}; cached on {warmed}, refused (401) by {refused}"


def on_each_edge(api: httpx.Client, auth: dict[str, str], codes: set[int]) -> list[str]:
    """Polls the manifest until two edge replicas have answered one of `codes` on their own."""
    answered: set[str] = set()
    for _ in range(20):
        answer = api.get("/v1/player/manifest", headers=auth)
        if answer.status_code not in codes:
            raise CheckFailedError(
                f"manifest {answer.status_code} by {served_by(answer)}: {answer.text[:200]}"
            )
        if "," not in served_by(answer):  # one replica answered, none was skipped
            answered.add(served_by(answer))
        if len(answered) == 2:
            return sorted(answered)
    raise CheckFailedError(f"only {sorted(answered)} answered in 20 polls")


def step_upload_while_daemon_down(args: argparse.Namespace) -> str:
    """The daemon is stopped by the shell: an upload completes meanwhile (still PROCESSING)."""
    known = state()
    with client() as api:
        auth = sign_in(api, args.password)
        asset = upload(api, auth, known["venue"], media("image"), "image/jpeg")
        time.sleep(5)
        status = asset_status(api, auth, known["venue"], asset)
        if status == "READY":
            raise CheckFailedError("asset became READY with the daemon stopped")
    save(pending_asset=asset)
    return f"upload {asset} completed with the daemon down, {status}"


def step_pending_becomes_ready(args: argparse.Namespace) -> str:
    known = state()
    with client() as api:
        auth = sign_in(api, args.password)
        asset = known["pending_asset"]
        started = time.monotonic()
        wait_for(
            f"asset {asset} READY after the daemon returned",
            lambda: asset_status(api, auth, known["venue"], asset) == "READY",
            args.timeout,
        )
    return f"READY {time.monotonic() - started:.0f} s after the daemon came back, untouched"


STEPS: dict[str, Callable[[argparse.Namespace], str]] = {
    "content": step_content,
    "pair": step_pair,
    "limits": step_limits,
    "fleet": step_fleet,
    "load": step_load,
    "device-removal": step_device_removal,
    "lockout": step_lockout,
    "upload-daemon-down": step_upload_while_daemon_down,
    "pending-ready": step_pending_becomes_ready,
    "after-restart": step_player_still_playing,
    "database-token": step_database_token,
    "database-down": step_database_down,
    "database-back": step_database_back,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--password", default=os.environ.get("CHECK_PASSWORD", ""))
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()
    try:
        print(STEPS[args.step](args))
    except CheckFailedError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
