"""The warm ingestion worker (issue 18 item 1): a long-lived process, started by `signage up`
beside the Dagster daemon, that keeps one `ingest_uploads_job` run open at a time in the Dagster
instance (DAGSTER_HOME). The run ingests the uploads announced on PostgreSQL's INGESTION_CHANNEL
as they come, each with its log line, and closes after WINDOW_SECONDS; the next opens at once.
So an upload waits for its own work, not for Dagster to start a run (measured against the
alternatives in docs/architecture.md, Ingestion). A window that ingested nothing is deleted:
the run list shows the runs that did work.

    python -m pipelines.ingestion_worker

Nothing is lost when it dies: an asset it held goes back to PROCESSING with its row lock, and
the sensor's backstop runs it once it is BACKSTOP_AFTER old; the worker takes only younger ones.
"""

import logging
import signal
from types import FrameType

from dagster import DagsterInstance, ExecuteInProcessResult

from pipelines.ingestion import ingest_uploads_job, window_closing
from pipelines.resources import MediaStorage, PlatformDatabase
from signage.content.ingestion import INGESTION_CHANNEL

log = logging.getLogger("pipelines.ingestion_worker")

# A run per five minutes with work in it: the run list stays readable, and the logs of one
# upload are found by its time.
WINDOW_SECONDS = 300.0
# After a failed window (the database unreachable, say), before the next: no run storm.
PAUSE_AFTER_FAILURE_SECONDS = 10.0


def run_window(
    instance: DagsterInstance,
    platform_db: PlatformDatabase,
    media: MediaStorage,
    window_seconds: float = WINDOW_SECONDS,
) -> ExecuteInProcessResult:
    """One window: a Dagster run in this process; deleted afterwards if it ingested nothing."""
    result = ingest_uploads_job.execute_in_process(
        run_config={"ops": {"ingest_announced": {"config": {"window_seconds": window_seconds}}}},
        instance=instance,
        resources={"platform_db": platform_db, "media": media},
        tags={"launchedBy": "ingestion-worker"},
        raise_on_error=False,
    )
    if not result.success:
        log.warning("ingestion run %s failed (see it in Dagster)", result.run_id)
        return result
    ingested = result.output_for_node("ingest_announced")
    if ingested:
        instance.add_run_tags(result.run_id, {"assets": str(len(ingested))})
    else:
        instance.delete_run(result.run_id)
    return result


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    def close(signum: int, frame: FrameType | None) -> None:
        window_closing.set()  # the open window finishes what it holds, then the loop ends

    signal.signal(signal.SIGTERM, close)
    signal.signal(signal.SIGINT, close)
    instance, platform_db, media = DagsterInstance.get(), PlatformDatabase(), MediaStorage()
    log.info("ingestion worker listening on %s", INGESTION_CHANNEL)
    while not window_closing.is_set():
        if not run_window(instance, platform_db, media).success:
            window_closing.wait(PAUSE_AFTER_FAILURE_SECONDS)


if __name__ == "__main__":
    main()
