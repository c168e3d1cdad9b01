"""deploy/grafana/signage-dashboard.json (issue 17 item 6): valid JSON whose queries name only
metrics the API exports, so a renamed metric cannot leave a silent empty panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.core import REGISTRY

import api.metrics  # noqa: F401 (registers the metrics)

DASHBOARD = Path(__file__).parent.parent / "deploy" / "grafana" / "signage-dashboard.json"
# Read from PostgreSQL at scrape time (api.metrics.FleetCollector), not in the registry.
SCRAPE_TIME = {
    "signage_devices",
    "signage_uploads_failed_last_hour",
    "signage_upload_ready_seconds_last_hour",
    "signage_operator_alerts_open",
}


def exported_names() -> set[str]:
    names = set(SCRAPE_TIME)
    for metric in REGISTRY.collect():
        names.update(sample.name for sample in metric.samples)
        names.add(metric.name)
    # histograms' series exist once observed: name them from their family
    for metric in REGISTRY.collect():
        if metric.type == "histogram":
            names.update(f"{metric.name}_{suffix}" for suffix in ("bucket", "sum", "count"))
        if metric.type == "counter":
            names.add(f"{metric.name}_total")
    return names


def test_every_panel_queries_metrics_the_api_exports() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bsignage_[a-z_]+", expr)}
    assert used, "the dashboard queries nothing"
    assert used <= exported_names(), used - exported_names()
