"""Alembic, driven programmatically so `signage db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

from signage.telemetry.partitions import is_partition

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic's configuration for the migrations of signage/db/migrations against `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on "%" in passwords.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For autogenerate: the telemetry day partitions are made at run time (issue 18 item 3),
    not by the models, so comparing the schema with the models leaves them out."""
    return not (type_ == "table" and name is not None and is_partition(name))


class MigrationFailedError(Exception):
    """A migration could not run; the message says why and what to do, in one line."""


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    try:
        command.upgrade(alembic_config(url), revision)
    except CommandError as exc:
        raise MigrationFailedError(_explained(exc)) from exc


def _explained(error: CommandError) -> str:
    message = str(error).splitlines()[0]
    if message.startswith("Can't locate revision"):
        # The usual cause in production: an image rolled back after a newer one migrated.
        return (
            f"{message}: the database was migrated by a newer release; run that release "
            "(or restore a backup taken before it). Nothing was changed."
        )
    return message


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision`."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The newest migration in the code."""
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None before the first."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_at_head(engine: Engine) -> bool:
    """Whether the database is at the code's newest migration."""
    return current_revision(engine) == head_revision()
