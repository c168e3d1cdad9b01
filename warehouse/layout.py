"""Where warehouse data lives: hive-partitioned Parquet under the data dir, one file per
table and hour (or day, for daily rollups). Writers replace whole partition files atomically,
so a reader sees either the old or the new file, never half of one, and DuckDB's single-writer
lock never comes into it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from signage.config import Settings

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class WarehouseLayout:
    root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseLayout:
        return cls(settings.warehouse_dir)

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def partition_file(self, table: str, hour: datetime) -> Path:
        start = hour_start(hour)
        return (
            self.table_dir(table) / f"date={start:%Y-%m-%d}" / f"hour={start:%H}" / "part-0.parquet"
        )

    def day_partition_file(self, table: str, day: datetime) -> Path:
        """The file of a daily table (rollups per UTC day)."""
        return self.table_dir(table) / f"date={day_start(day):%Y-%m-%d}" / "part-0.parquet"

    def glob(self, table: str) -> str:
        return str(self.table_dir(table) / "**" / "*.parquet")

    def hourly_files(self, table: str, start: datetime, end: datetime) -> list[Path]:
        """The partitions of `table` that exist for the hours overlapping [start, end)."""
        candidates = (self.partition_file(table, hour) for hour in hours_between(start, end))
        return [path for path in candidates if path.exists()]

    def daily_files(self, table: str, start: datetime, end: datetime) -> list[Path]:
        """The partitions of a daily `table` that exist for the days overlapping [start, end)."""
        candidates = (self.day_partition_file(table, day) for day in days_between(start, end))
        return [path for path in candidates if path.exists()]


def hour_start(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("warehouse hours are UTC instants; pass an aware datetime")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_start(moment: datetime) -> datetime:
    """Daily rollups use UTC days, like every stored timestamp (§30.3)."""
    return hour_start(moment).replace(hour=0)


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    """Every UTC hour overlapping [start, end), oldest first."""
    return _steps(hour_start(start), end, HOUR)


def days_between(start: datetime, end: datetime) -> list[datetime]:
    """Every UTC day overlapping [start, end), oldest first."""
    return _steps(day_start(start), end, DAY)


def _steps(first: datetime, end: datetime, step: timedelta) -> list[datetime]:
    steps = []
    moment = first
    while moment < end:
        steps.append(moment)
        moment += step
    return steps
