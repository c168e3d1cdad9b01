"""Starting ingestion as soon as an upload completes (§13): the API asks the Dagster webserver
to run `ingest_asset_job` for the asset. The pipelines' sensor remains the backstop, so when
Dagster is down or busy nothing is lost, only slower; a second run for the same asset finds
nothing to do (signage.content.ingestion)."""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

log = logging.getLogger(__name__)

JOB = "ingest_asset_job"
LOCATION = "signage"  # dagster_home/workspace.yaml
REPOSITORY = "__repository__"  # the name Dagster gives a module's Definitions


class IngestionLauncher(Protocol):
    def launch(self, asset_id: uuid.UUID) -> None: ...


class DagsterLauncher:
    def __init__(self, host: str, port: int, timeout_seconds: int = 5) -> None:
        self.host, self.port, self.timeout = host, port, timeout_seconds

    def launch(self, asset_id: uuid.UUID) -> None:
        """Best effort: a failure is logged and left to the sensor."""
        try:
            from dagster_graphql import DagsterGraphQLClient  # heavy; only where it is used

            client = DagsterGraphQLClient(self.host, port_number=self.port, timeout=self.timeout)
            run_id = client.submit_job_execution(
                JOB,
                repository_location_name=LOCATION,
                repository_name=REPOSITORY,
                run_config={"ops": {"ingest": {"config": {"asset_id": str(asset_id)}}}},
                tags={"assetId": str(asset_id), "launchedBy": "api"},
            )
            log.info("ingestion run submitted", extra={"assetId": str(asset_id), "runId": run_id})
        except Exception as exc:
            log.warning(
                "could not submit the ingestion run; the sensor will start it",
                extra={"assetId": str(asset_id), "error": type(exc).__name__},
            )
