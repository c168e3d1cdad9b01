"""Named queries shared by pipelines, notebooks and ops endpoints. Each reader opens a
short-lived in-memory DuckDB over the Parquet partitions, so readers never block a writer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import polars as pl

from warehouse.layout import WarehouseLayout

TABLES = ("heartbeats", "events")


@contextmanager
def reader(layout: WarehouseLayout) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with one view per warehouse table (empty until data lands)."""
    connection = duckdb.connect(":memory:")
    try:
        for table in TABLES:
            if any(layout.table_dir(table).rglob("*.parquet")):
                source = layout.glob(table).replace("'", "''")
                # Names and paths are ours (TABLES, the layout), never a caller's input.
                view = (
                    f"CREATE VIEW {table} AS "  # noqa: S608
                    f"SELECT * FROM read_parquet('{source}', hive_partitioning = true)"
                )
                connection.execute(view)
        yield connection
    finally:
        connection.close()


def heartbeats_per_device_hour(
    layout: WarehouseLayout, start: datetime, end: datetime, tenant_id: str | None = None
) -> pl.DataFrame:
    """Heartbeats received per device and hour, with the share that reported PLAYING."""
    with reader(layout) as connection:
        if not _has_view(connection, "heartbeats"):
            return pl.DataFrame(
                schema={
                    "device_id": pl.String,
                    "hour": pl.Datetime("us", "UTC"),
                    "heartbeats": pl.Int64,
                    "playing_share": pl.Float64,
                }
            )
        relation = connection.sql(
            """
            SELECT device_id,
                   date_trunc('hour', received_at) AS hour,
                   count(*) AS heartbeats,
                   avg(CASE WHEN state = 'PLAYING' THEN 1.0 ELSE 0.0 END) AS playing_share
            FROM heartbeats
            WHERE received_at >= ? AND received_at < ? AND (? IS NULL OR tenant_id = ?)
            GROUP BY ALL
            ORDER BY device_id, hour
            """,
            params=[start, end, tenant_id, tenant_id],
        )
        frame = pl.from_arrow(relation.to_arrow_table())
        assert isinstance(frame, pl.DataFrame)
        return frame


def _has_view(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]
    ).fetchall()
    return bool(found[0][0])
