"""Where warehouse data lives: hive-partitioned Parquet under the data dir, one file per
table and hour. Writers replace whole partition files atomically, so a reader sees either the
old or the new file, never half of one, and DuckDB's single-writer lock never comes into it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from signage.config import Settings


@dataclass(frozen=True)
class WarehouseLayout:
    root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseLayout:
        return cls(settings.resolved_data_dir / "warehouse")

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def partition_file(self, table: str, hour: datetime) -> Path:
        start = hour_start(hour)
        return (
            self.table_dir(table) / f"date={start:%Y-%m-%d}" / f"hour={start:%H}" / "part-0.parquet"
        )

    def glob(self, table: str) -> str:
        return str(self.table_dir(table) / "**" / "*.parquet")


def hour_start(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("warehouse hours are UTC instants; pass an aware datetime")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
