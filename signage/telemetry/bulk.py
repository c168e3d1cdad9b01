"""Many telemetry rows in one statement each (issue 18 item 2): INSERT ... SELECT FROM unnest()
of one array per column, for the history and the upserts of the latest state, and COPY for a
backfill's bulk.

One statement per row (executemany) paid a parse, bind and execute per row on the server and
as much again in Python: a batch of 32 heartbeats took ~25 ms, of which the history insert was
~6 ms; an unnest() statement takes ~1.5-3 ms (scratch timings on a 2-core machine under load;
bench.telemetry is the figure that counts). The statements' text does not depend on the number
of rows, so PostgreSQL prepares each once per connection, and they run through SQLAlchemy, so
a failure is its wrapped error (an unreachable database is a 503, api.problems), unlike a
COPY on the driver's connection, which the API's path does not use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Stream `rows` into `table` with COPY on the session's connection (its transaction):
    one statement, however many rows, and no more held in memory than COPY buffers. A dict
    value goes as JSONB; a StrEnum is a str, which COPY takes as its value."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in row])


def _unnest(table: Table, columns: Sequence[str]) -> str:
    """`unnest(%s::type[], ...)`: one array parameter per column, zipped into rows."""
    casts = [f"%s::{table.columns[name].type.compile(dialect=_DIALECT)}[]" for name in columns]
    return f"unnest({', '.join(casts)})"


def insert_statement(table: Table, columns: Sequence[str], replacing_on: str | None = None) -> str:
    """INSERT of one row per array position; with `replacing_on`, a row replaces the one with
    the same value of that key."""
    into = f"INSERT INTO {table.name} ({', '.join(columns)})"  # names from the metadata
    rows = f"SELECT * FROM {_unnest(table, columns)}"  # noqa: S608
    if replacing_on is None:
        return f"{into} {rows}"
    changed = ", ".join(f"{name} = excluded.{name}" for name in columns if name != replacing_on)
    return f"{into} {rows} ON CONFLICT ({replacing_on}) DO UPDATE SET {changed}"


def column_arrays(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows turned into one list per column, the parameters of an unnest() statement."""
    arrays: list[list[Any]] = [[] for _ in range(width)]
    for row in rows:
        for array, value in zip(arrays, row, strict=True):
            array.append(Jsonb(value) if isinstance(value, dict) else value)
    return arrays
