"""Resources: the platform's database, warehouse, object store and policy, configured from the
SIGNAGE_* settings when an op or tick runs (never at import), by `platform_settings` alone. Ops
and assets only call them; tests hand in resources pointing at their own database and folders.

No `from __future__ import annotations` here: Dagster inspects annotations at definition time.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, EnvVar
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from signage.alerts.rules import AlertThresholds
from signage.backups.service import backup_store_from_settings, local_backup_store
from signage.config import Settings
from signage.db.engine import Database, database_url
from signage.media.rules import MediaLimits
from signage.storage.base import ObjectStorage
from signage.storage.factory import storage_from_settings
from signage.storage.local import LocalStorage
from warehouse.layout import WarehouseLayout


def platform_settings() -> Settings:
    """The SIGNAGE_* settings as the run's environment gives them now. Not cached: a code
    server lives long and tests change the environment between runs."""
    return Settings()


class PlatformDatabase(ConfigurableResource):  # type: ignore[type-arg]
    """The system of record. An empty URL means: read SIGNAGE_* settings at run time."""

    url: str = ""

    def sqlalchemy_url(self) -> str:
        return self.url or database_url(platform_settings())

    def libpq_url(self) -> str:
        """The same database as a plain libpq URL, for psycopg's COPY."""
        return (
            make_url(self.sqlalchemy_url())
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )

    @contextmanager
    def connected(self) -> Iterator[Database]:
        """A one-connection Database for one op or tick, disposed after it."""
        database = Database.connect(self.sqlalchemy_url(), pool_size=1)
        try:
            yield database
        finally:
            database.dispose()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction on a database connected for it."""
        with self.connected() as database, database.unit_of_work() as session:
            yield session


class Warehouse(ConfigurableResource):  # type: ignore[type-arg]
    """The Parquet warehouse. An empty root means: the data dir of SIGNAGE_* settings."""

    root: str = ""

    def layout(self) -> WarehouseLayout:
        if self.root:
            return WarehouseLayout(Path(self.root))
        return WarehouseLayout.from_settings(platform_settings())


class MediaStorage(ConfigurableResource):  # type: ignore[type-arg]
    """The object store of SIGNAGE_* settings; `local_root` pins local disk (tests)."""

    local_root: str = ""

    def storage(self) -> ObjectStorage:
        settings = platform_settings()
        if not self.local_root:
            return storage_from_settings(settings)
        return LocalStorage(
            Path(self.local_root),
            public_base_url=settings.api_base_url,
            signing_secret=settings.jwt_secret_value(),
            max_object_bytes=settings.max_upload_bytes,
        )


def media_limits() -> MediaLimits:
    """§14's limits as this deployment configures them."""
    return MediaLimits.from_settings(platform_settings())


def alert_thresholds() -> AlertThresholds:
    """§21's alert thresholds as this deployment configures them."""
    return AlertThresholds.from_settings(platform_settings())


def telemetry_retention_days() -> int:
    """How long heartbeats and events stay in Postgres once warehoused (§34.12)."""
    return platform_settings().telemetry_retention_days


class BackupStore(ConfigurableResource):  # type: ignore[type-arg]
    """Where backups go (signage.backups): SIGNAGE_* settings; `local_root` pins a directory."""

    local_root: str = ""

    def storage(self) -> ObjectStorage:
        if not self.local_root:
            return backup_store_from_settings(platform_settings())
        return local_backup_store(Path(self.local_root), platform_settings().max_upload_bytes)


def backup_keep() -> int:
    """How many backups the scheduled job keeps."""
    return platform_settings().backup_keep


def deployment_resources(environment: str | None = None) -> dict[str, Any]:
    """The resource set of this deployment, chosen by SIGNAGE_ENVIRONMENT as Dagster's examples
    choose theirs. In production each resource that one variable configures names it (the
    Dagster UI shows the variable, never its value); elsewhere the SIGNAGE_* settings fill them
    at run time, with their embedded defaults (an embedded PostgreSQL's URL exists only then)."""
    environment = environment or os.environ.get("SIGNAGE_ENVIRONMENT", "development")
    resources: dict[str, Any] = {
        "platform_db": PlatformDatabase(),
        "warehouse": Warehouse(),
        "media": MediaStorage(),
        "backup_store": BackupStore(),
    }
    if environment == "production":
        resources["platform_db"] = PlatformDatabase(url=EnvVar("SIGNAGE_DATABASE_URL"))
    return resources
