"""Ingestion latency: upload-complete → READY through the real platform (`signage up`: API,
Dagster sensor, daemon and run), beside the bare inspection (checksum, probe, rules,
thumbnail) of the same files in the same run. The difference is the pipeline's overhead.

    .venv/bin/python -m bench.ingest [--samples 3] [--burst 50]

Goals (issue 18): one image ≤ 0.5 s median; 50 at once all READY ≤ 5 s.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.report import print_comparison
from signage.config import Settings
from signage.db.engine import Database, database_url
from signage.db.models import Tenant
from signage.enums import AssetType
from signage.media.ingest import inspect_upload
from signage.media.rules import MediaLimits
from tests.support.media_factory import make_jpeg, make_mp4
from tests.support.redis_server import free_port

PASSWORD = "bench-password-1"


def start_platform(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    api_port, dagster_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    env.update(
        SIGNAGE_DATA_DIR=str(data_dir),
        SIGNAGE_API_PORT=str(api_port),
        SIGNAGE_DAGSTER_PORT=str(dagster_port),
        SIGNAGE_DEMO_PASSWORD=PASSWORD,
    )
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "signage"), "up"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{api_port}"
    for url in (f"{base}/readyz", f"http://127.0.0.1:{dagster_port}/server_info"):
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up")
            time.sleep(0.5)
    return process, base


# A burst of 50 uploads in a minute is past §27.1's per-tenant upload-session and mutation
# limits; the benchmark measures ingestion, so it lifts them for the demo tenants.
LIFTED = {
    "uploadSessionPerTenant": {"requests": 10**6, "windowSeconds": 60},
    "mutationPerTenant": {"requests": 10**6, "windowSeconds": 60},
}


def lift_upload_limits(data_dir: Path) -> None:
    """Before the API reads them (it caches a tenant's overrides for a minute)."""
    settings = Settings(data_dir=data_dir)
    database = Database.connect(database_url(settings))
    try:
        with database.unit_of_work() as session:
            for tenant in session.scalars(select(Tenant)):
                tenant.rate_limit_overrides = {**(tenant.rate_limit_overrides or {}), **LIFTED}
    finally:
        database.dispose()


def upload_until_ready(
    api: httpx.Client, headers: dict[str, str], assets: str, path: Path, content_type: str
) -> float:
    """Seconds from the complete call's answer to the asset reading READY."""
    asset_id = put_upload(api, headers, assets, path, content_type)
    api.post(f"{assets}/uploads/{asset_id[1]}/complete", headers=headers)
    completed = time.perf_counter()
    wait_ready(api, headers, assets, [asset_id[0]])
    return time.perf_counter() - completed


def put_upload(
    api: httpx.Client, headers: dict[str, str], assets: str, path: Path, content_type: str
) -> tuple[str, str]:
    """Declare and PUT one file; (assetId, uploadId), not yet completed."""
    body = {
        "fileName": path.name,
        "contentType": content_type,
        "fileSizeBytes": path.stat().st_size,
        "checksumSha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    started = api.post(f"{assets}/uploads", json=body, headers=headers).json()
    httpx.put(
        started["uploadUrl"],
        content=path.read_bytes(),
        headers=started["uploadHeaders"],
        timeout=60,
    ).raise_for_status()
    return started["assetId"], started["uploadId"]


def wait_ready(
    api: httpx.Client, headers: dict[str, str], assets: str, asset_ids: list[str]
) -> None:
    """Until every asset reads READY, looking at the oldest waiting one at a time (they are
    ingested oldest first, so the rest are not READY either)."""
    waiting = list(asset_ids)
    while waiting:
        response = api.get(f"{assets}/{waiting[0]}", headers=headers)
        response.raise_for_status()
        status = response.json()["status"]
        if status == "READY":
            waiting.pop(0)
            continue
        if status != "PROCESSING":
            raise RuntimeError(f"{waiting[0]} ended {status}")
        time.sleep(0.1)  # resolution of the figure; faster polling meets the read rate limit


def burst_until_ready(
    api: httpx.Client, headers: dict[str, str], assets: str, path: Path, count: int
) -> float:
    """`count` images PUT, then all completed at once: seconds to the last READY."""
    uploads = [put_upload(api, headers, assets, path, "image/jpeg") for _ in range(count)]
    started = time.perf_counter()
    for _, upload_id in uploads:
        api.post(f"{assets}/uploads/{upload_id}/complete", headers=headers)
    wait_ready(api, headers, assets, [asset_id for asset_id, _ in uploads])
    return time.perf_counter() - started


def bare_seconds(path: Path, kind: AssetType) -> float:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    started = time.perf_counter()
    inspection = inspect_upload(
        path,
        declared_size=path.stat().st_size,
        declared_sha256=digest,
        limits=MediaLimits(max_file_bytes=10**9),
        declared_type=kind,
    )
    assert inspection.verdict.ok, inspection.verdict
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--burst", type=int, default=50, help="images completed at once")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    print("making media: a 2 MB 1080p JPEG and a 30 s 1080p H.264/AAC video ...", flush=True)
    files = [
        (
            make_jpeg(scratch / "poster.jpg", 1920, 1080, target_bytes=2_000_000),
            "image/jpeg",
            AssetType.IMAGE,
        ),
        (
            make_mp4(
                scratch / "promo.mp4",
                width=1920,
                height=1080,
                seconds=30,
                fps=25,
                bitrate=4_000_000,
            ),
            "video/mp4",
            AssetType.VIDEO,
        ),
    ]
    process, base = start_platform(scratch / "var")
    try:
        lift_upload_limits(scratch / "var")
        with httpx.Client(base_url=base, timeout=30) as api:
            login = api.post(
                "/v1/auth/login", json={"email": "editor@demo.example", "password": PASSWORD}
            ).json()
            headers = {"Authorization": f"Bearer {login['accessToken']}"}
            assets = f"/v1/venues/{login['venues'][0]['venueId']}/assets"
            upload_until_ready(api, headers, assets, files[0][0], files[0][1])  # warm-up
            for path, content_type, kind in files:
                ready = [
                    upload_until_ready(api, headers, assets, path, content_type)
                    for _ in range(args.samples)
                ]
                bare = [bare_seconds(path, kind) for _ in range(args.samples)]
                ready_median, bare_median = statistics.median(ready), statistics.median(bare)
                print(
                    f"{path.name} ({path.stat().st_size / 1e6:.1f} MB): complete→READY "
                    f"median {ready_median:.2f} s, bare inspection {bare_median:.2f} s, "
                    f"pipeline overhead {ready_median - bare_median:.2f} s"
                )
                print_comparison(
                    f"{path.name} complete→READY",
                    ready_median,
                    bare_median,
                    "s",
                    "bare probe + thumbnail",
                )
            poster = files[0][0]
            burst = burst_until_ready(api, headers, assets, poster, args.burst)
            bare_burst = args.burst * bare_seconds(poster, AssetType.IMAGE)
            print_comparison(
                f"{args.burst} images completed at once → all READY",
                burst,
                bare_burst,
                "s",
                f"{args.burst} x bare probe + thumbnail",
            )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


if __name__ == "__main__":
    main()
