"""The CPU one alert evaluation costs as a Dagster run (a new process that imports the code
location and executes the one-op job in process, as the run worker the daemon launches does)
beside one tick of `alerts_sensor`, which evaluates in the code location's already-running
process (issue 15 item 10).

    .venv/bin/python bench/alerts_run.py [--runs 5] [--devices 200]

Uses the test PostgreSQL (embedded, or SIGNAGE_TEST_DATABASE_URL) with a fresh database: the
demo tenant plus `--devices` devices with a heartbeat each. CPU is this side's user + system
time (the database server's share is the same either way). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import build_sensor_context

from pipelines.alerts import alerts_sensor
from pipelines.resources import PlatformDatabase
from signage.auth.principal import DevicePrincipal
from signage.db.engine import Database
from signage.db.models import Device
from signage.telemetry import ingest
from tests.signage.alerts.fleet import heartbeat
from tests.support import postgres
from tests.support.demo import seed

ROOT = Path(__file__).resolve().parents[1]


def seed_fleet(database: Database, devices: int) -> None:
    demo = seed(database)
    now = datetime.now(UTC)
    with database.unit_of_work() as session:
        for number in range(devices):
            device = Device(tenant_id=demo.tenant_id, venue_id=demo.fortescue_id, name=f"d{number}")
            session.add(device)
            session.flush()
            principal = DevicePrincipal(device.id, device.venue_id, device.tenant_id)
            ingest.record_heartbeat(session, principal, heartbeat(), now - timedelta(minutes=1))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_as_dagster_run(database_url: str, storage: Path) -> tuple[float, float]:
    """CPU and wall seconds of one `dagster job execute` of alerts_evaluation."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGNAGE_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(ROOT / "dagster_home"),
        SIGNAGE_DAGSTER_STORAGE_DIR=str(storage),
        SIGNAGE_DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
    )
    command = [
        *(sys.executable, "-m", "dagster", "job", "execute"),
        *("-m", "pipelines.definitions", "-j", "alerts_evaluation"),
    ]
    cpu, wall = children_cpu(), time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
    return children_cpu() - cpu, time.perf_counter() - wall


def run_sensor_tick(database_url: str) -> tuple[float, float]:
    """CPU and wall seconds of one alerts_sensor tick in this (warm) process."""
    context = build_sensor_context(resources={"platform_db": PlatformDatabase(url=database_url)})
    cpu, wall = time.process_time(), time.perf_counter()
    alerts_sensor(context)
    return time.process_time() - cpu, time.perf_counter() - wall


def report(label: str, samples: list[tuple[float, float]]) -> None:
    cpu = statistics.median(c for c, _ in samples)
    wall = statistics.median(w for _, w in samples)
    print(f"{label}: median CPU {cpu:.3f} s, wall {wall:.3f} s over {len(samples)} runs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--devices", type=int, default=200)
    options = parser.parse_args()
    admin = postgres.admin_url()
    for database_url in postgres.fresh_database(admin, postgres.ensure_template(admin)):
        database = Database.connect(database_url, pool_size=1)
        try:
            seed_fleet(database, options.devices)
            run_sensor_tick(database_url)  # warm the imports
            ticks = [run_sensor_tick(database_url) for _ in range(options.runs)]
            with tempfile.TemporaryDirectory() as storage:
                runs = [
                    run_as_dagster_run(database_url, Path(storage)) for _ in range(options.runs)
                ]
        finally:
            database.dispose()
    report("as a Dagster run (new process)", runs)
    report("as an alerts_sensor tick (running process)", ticks)


if __name__ == "__main__":
    main()
