"""The nightly backup (issue 16 item 4): signage.backups takes it and prunes to the configured
count; this job only wires resources and shows each backup in the run's metadata.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

from dagster import (
    Config,
    MetadataValue,
    OpExecutionContext,
    job,
    op,
)

from pipelines.resources import (
    BackupStore,
    MediaStorage,
    PlatformDatabase,
    Warehouse,
    backup_keep,
)
from pipelines.schedules import running_schedule
from signage.backups.service import Platform, prune_backups, summarise, take_backup

BACKUP_JOB = "platform_backup"


class BackupConfig(Config):
    keep: int = 0  # how many backups stay; 0: SIGNAGE_BACKUP_KEEP


@op
def back_up_platform(
    context: OpExecutionContext,
    config: BackupConfig,
    platform_db: PlatformDatabase,
    media: MediaStorage,
    warehouse: Warehouse,
    backup_store: BackupStore,
) -> str:
    """Take a backup, prune old ones; the backup's id."""
    store = backup_store.storage()
    platform = Platform(platform_db.sqlalchemy_url(), media.storage(), warehouse.layout().root)
    manifest = take_backup(platform, store)
    pruned = prune_backups(store, config.keep or backup_keep())
    context.log.info("\n".join(summarise(manifest)))
    context.add_output_metadata(
        {
            "backup_id": manifest.backup_id,
            "database_key": manifest.database_key,
            "database_bytes": manifest.database_bytes,
            "warehouse_bytes": manifest.warehouse_bytes,
            "media_objects": len(manifest.media),
            "media_bytes": manifest.media_bytes,
            "total_bytes": manifest.total_bytes,
            "duration_seconds": MetadataValue.float(manifest.duration_seconds),
            "pruned": MetadataValue.text(", ".join(pruned) or "none"),
        }
    )
    return manifest.backup_id


@job(name=BACKUP_JOB, description="Back up the database, media and warehouse (issue 16 item 4).")
def platform_backup() -> None:
    back_up_platform()


platform_backup_schedule = running_schedule(platform_backup, "15 2 * * *")
