"""Opening warehouse partitions in DuckDB: an in-memory connection per reader or computation,
views over exactly the partition files a question needs, and an empty view of the right
columns when none exist yet, so every query has one shape whether or not data has landed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

Schema = Mapping[str, pl.DataType]


@contextmanager
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived in-memory DuckDB that speaks UTC (timestamps leave it tagged UTC, §30.3)."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET TimeZone = 'UTC'")
        yield connection
    finally:
        connection.close()


def register_files(
    connection: duckdb.DuckDBPyConnection,
    view: str,
    files: Sequence[Path],
    schema: Schema,
    columns: Sequence[str] | None = None,
) -> None:
    """Expose `files` (Parquet partitions) as `view`, only `columns` if given; with no files,
    an empty table of `schema`'s columns."""
    tables = [_snapshot(path, columns) for path in files]
    if tables:
        connection.register(view, pa.concat_tables(tables, promote_options="default"))
    else:
        wanted = {name: schema[name] for name in (columns or schema)}
        connection.register(view, pl.DataFrame(schema=wanted).to_arrow())


def _snapshot(path: Path, columns: Sequence[str] | None) -> pa.Table:
    """The file read through one open handle. DuckDB's own reader opens a file again between
    planning and scanning, so a writer's rename in between could pair one version's footer
    with the other's bytes; an open handle keeps its version however the path moves."""
    with pa.OSFile(str(path)) as source:
        return pq.read_table(source, columns=list(columns) if columns else None)


def query(
    connection: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any], schema: Schema
) -> pl.DataFrame:
    """Run `sql` with the `params` it names (`$name`) and return exactly `schema`'s columns,
    in order and type. Named queries share parameter sets; DuckDB refuses unused ones."""
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    frame = pl.from_arrow(connection.sql(sql, params=used).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
