"""Many telemetry rows in one statement each (issue 18 item 2): the rows go as one JSON
parameter that PostgreSQL turns back into rows of the table (json_populate_recordset), for
the heartbeat history and the upsert of the latest status; COPY streams a backfill's bulk.

One statement per row (executemany) paid a parse, bind and execute per row on the server and
as much again in Python. One array parameter per column (unnest) made it one statement, but
psycopg dumps arrays element by element in Python, a fifth of the API process's samples under
py-spy; the JSON text of the same rows is encoded in C (figures before and after, with their
command, in docs/operations.md). The statements' text does not depend on the number of rows,
so PostgreSQL prepares each once per connection, and they run through SQLAlchemy, so a failure
is its wrapped error (an unreachable database is a 503, api.problems).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session


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


def insert_statement(table: str, columns: Sequence[str], replacing_on: str | None = None) -> str:
    """INSERT of the rows in one JSON parameter (`rows_json`); with `replacing_on`, a row
    replaces the one with the same value of that key. Names come from the metadata, never
    from a request."""
    names = ", ".join(columns)
    rows = f"SELECT {names} FROM json_populate_recordset(NULL::{table}, %s::json)"  # noqa: S608
    statement = f"INSERT INTO {table} ({names}) {rows}"
    if replacing_on is None:
        return statement
    changed = ", ".join(f"{name} = excluded.{name}" for name in columns if name != replacing_on)
    return f"{statement} ON CONFLICT ({replacing_on}) DO UPDATE SET {changed}"


def rows_json(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The parameter of an `insert_statement`: each row as an object keyed by column. A JSON
    null is SQL NULL; a dict is the JSONB column's value; a StrEnum is its value."""
    return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=_scalar)


def _scalar(value: object) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no JSON form here")
