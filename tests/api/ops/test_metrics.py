"""GET /metrics (issue 17 item 1): the Prometheus text format parses, its counters move with the
requests the test made, labels are route templates (never ids), fleet gauges count devices per
tenant, and SIGNAGE_METRICS_TOKEN refuses scrapers without the bearer secret."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.app import create_app
from signage.config import Settings
from signage.db.engine import Database
from tests.api.ops.fleet import OpsFleet
from tests.support.clock import FakeClock
from tests.support.demo import Demo
from tests.support.world import VenueWorld

Signer = Callable[[str], dict[str, str]]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def scrape(client: TestClient, **headers: str) -> Samples:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_request_counters_move_with_the_requests_made_and_label_by_template(
    ops_fleet: OpsFleet, world: VenueWorld
) -> None:
    client, demo = world.client, world.demo
    route = "/v1/venues/{venueId}/devices"
    before = scrape(client)
    viewer = world.as_role("viewer")
    for _ in range(3):
        assert (
            client.get(f"/v1/venues/{demo.fortescue_id}/devices", headers=viewer).status_code == 200
        )
    assert client.get(f"/v1/venues/{demo.badger_id}/devices", headers=viewer).status_code == 404
    assert client.get("/no/such/path").status_code == 404
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("signage_http_requests_total", route=route, method="GET", status_class="2xx") == 3
    assert moved("signage_http_requests_total", route=route, method="GET", status_class="4xx") == 1
    assert (
        moved("signage_http_requests_total", route="unmatched", method="GET", status_class="4xx")
        == 1
    )
    assert moved("signage_http_request_duration_seconds_count", route=route, method="GET") == 4
    assert value(after, "signage_http_requests_in_flight") >= 1  # the scrape itself
    for name, labels in after:
        assert not any(UUID.search(v) for k, v in labels if k != "tenant"), (name, labels)


def test_heartbeats_manifests_and_the_pool_are_measured(
    ops_fleet: OpsFleet, client: TestClient
) -> None:
    before = scrape(client)
    ops_fleet.beat("Bar")
    headers = ops_fleet.devices["Bar"].headers
    first = client.get("/v1/player/manifest", headers=headers)
    etag = first.headers["ETag"]
    again = client.get("/v1/player/manifest", headers={**headers, "If-None-Match": etag})
    assert (first.status_code, again.status_code) == (200, 304)
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("signage_manifest_answers_total", kind="200") == 1
    assert moved("signage_manifest_answers_total", kind="304") == 1
    assert moved("signage_heartbeat_batch_size_count") >= 1
    assert moved("signage_heartbeat_batch_size_sum") >= 1
    assert moved("signage_heartbeat_commit_seconds_count") >= 1
    assert moved("signage_db_pool_checkout_seconds_count") >= 1
    assert "signage_db_pool_connections_in_use" in {name for name, _ in after}


def test_devices_are_counted_online_and_offline_per_tenant(
    ops_fleet: OpsFleet, client: TestClient, demo: Demo
) -> None:
    samples = scrape(client)
    tenant, other = str(demo.tenant_id), str(demo.other_tenant_id)
    # Bar and Screen heartbeat; Lounge and Cafe went silent; the other tenant's Tavern too.
    assert value(samples, "signage_devices", tenant=tenant, state="online") == 2
    assert value(samples, "signage_devices", tenant=tenant, state="offline") == 2
    assert value(samples, "signage_devices", tenant=other, state="offline") == 1


def test_a_metrics_token_refuses_scrapers_without_it(
    settings: Settings, database: Database, clock: FakeClock
) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr("scrape-" + "k" * 30)})
    client = TestClient(create_app(guarded, database=database, clock=clock))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scrape(client, Authorization="Bearer scrape-" + "k" * 30)
    assert "/metrics" not in client.get("/openapi.json").text


EMPTY_FLEET = """
from prometheus_client.registry import Collector
from api.metrics import exposition

class NoFleet(Collector):
    def collect(self):
        return iter(())

print(exposition(NoFleet()).decode())
"""


def test_multiprocess_mode_sums_what_several_workers_counted(tmp_path: Path) -> None:
    """The documented setting for several uvicorn workers: each worker process writes its
    samples under PROMETHEUS_MULTIPROC_DIR and one scrape answers their sum."""
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(root)}
    worker = "from api.metrics import REQUESTS; REQUESTS.labels('/x', 'GET', '2xx').inc()"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, cwd=root, check=True, timeout=60)
    scraped = subprocess.run(
        [sys.executable, "-c", EMPTY_FLEET],
        env=env,
        cwd=root,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
    }
    labels = (("method", "GET"), ("route", "/x"), ("status_class", "2xx"))
    assert samples[("signage_http_requests_total", labels)] == 2
