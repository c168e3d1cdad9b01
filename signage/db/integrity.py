"""A unique value taken twice is a 409 naming the field (§27.2), wherever the violation surfaces.

`duplicate_error` turns PostgreSQL's unique violation into a `DuplicateError`; the API's
problem handler uses it for any violation that reaches it, and `unique_or_conflict` runs a
write in a savepoint so a violation undoes only that write and can be caught (pairing retries).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from pydantic.alias_generators import to_camel
from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.db.base import Base
from signage.errors import DuplicateError

UNIQUE_VIOLATION = "23505"  # SQLSTATE

# Unique indexes on an expression have no plain column to name.
_FIELD_OF_EXPRESSION_INDEX = {"uq_users_tenant_email_lower": "email"}


@contextmanager
def unique_or_conflict(session: Session, *, detail: str | None = None) -> Iterator[None]:
    """Make the block's changes inside a savepoint and flush them there: a unique violation
    rolls back only the savepoint and is raised as a `DuplicateError` (409). Make the changes
    inside the block; `begin_nested` flushes what is already pending before the savepoint."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        duplicate = duplicate_error(exc, detail=detail)
        if duplicate is None:
            raise
        raise duplicate from exc


def duplicate_error(exc: IntegrityError, *, detail: str | None = None) -> DuplicateError | None:
    """The 409 a unique violation means, naming the field it guards; None for other errors.
    Reads only the driver's diagnostics, never the ORM objects (their session must roll back)."""
    if getattr(exc.orig, "sqlstate", None) != UNIQUE_VIOLATION:
        return None
    diagnostics = getattr(exc.orig, "diag", None)
    constraint = getattr(diagnostics, "constraint_name", None) or ""
    field = unique_fields().get(constraint)
    what = f"This {field}" if field else "This value"
    return DuplicateError(detail or f"{what} is already in use.", field=field)


@cache
def unique_fields() -> dict[str, str]:
    """Constraint or index name -> the camelCase field a client chose that it keeps unique:
    its columns other than the scoping foreign keys (venue, tenant) and the id."""
    fields = dict(_FIELD_OF_EXPRESSION_INDEX)
    for table in Base.metadata.tables.values():
        uniques: list[UniqueConstraint | Index]
        uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        uniques += [i for i in table.indexes if isinstance(i, Index) and i.unique]
        for unique in uniques:
            chosen = [c.name for c in unique.columns if not c.foreign_keys and c.name != "id"]
            if isinstance(unique.name, str) and chosen:
                fields.setdefault(unique.name, to_camel(chosen[-1]))
    return fields
