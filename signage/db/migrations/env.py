"""Alembic environment: online migrations against the URL set by signage.db.migrate."""

from alembic import context
from sqlalchemy import create_engine, pool

import signage.db.models  # noqa: F401  (registers every table)
from signage.db.base import Base
from signage.db.migrate import include_name

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "signage.db.migrate sets sqlalchemy.url"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
