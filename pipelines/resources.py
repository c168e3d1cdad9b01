"""Resources: the platform's database, built from settings when an op runs (never at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from signage.config import Settings
from signage.db.engine import Database, database_url
from warehouse.layout import WarehouseLayout


class PlatformDatabase(ConfigurableResource):  # type: ignore[type-arg]
    """The system of record. An empty URL means: read SIGNAGE_* settings at run time."""

    url: str = ""

    def sqlalchemy_url(self) -> str:
        return self.url or database_url(Settings())

    def libpq_url(self) -> str:
        """The same database as a plain libpq URL, for psycopg's COPY."""
        return (
            make_url(self.sqlalchemy_url())
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        database = Database.connect(self.sqlalchemy_url(), pool_size=1)
        try:
            with database.unit_of_work() as session:
                yield session
        finally:
            database.dispose()


class Warehouse(ConfigurableResource):  # type: ignore[type-arg]
    """The Parquet warehouse. An empty root means: the data dir of SIGNAGE_* settings."""

    root: str = ""

    def layout(self) -> WarehouseLayout:
        if self.root:
            return WarehouseLayout(Path(self.root))
        return WarehouseLayout.from_settings(Settings())
