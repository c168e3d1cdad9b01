"""Declarative base and the column conventions every table shares (§26.2)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic migrations are reproducible and downgradable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (column defaults)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def enum_column(enum_type: type[StrEnum], **kwargs: Any) -> Any:
    """A VARCHAR column with a CHECK constraint listing the enum's values (portable, migratable)."""
    return mapped_column(
        Enum(
            enum_type,
            native_enum=False,
            create_constraint=True,
            length=max(len(m.value) for m in enum_type),
            values_callable=lambda members: [m.value for m in members],
            name=_snake(enum_type.__name__),
            validate_strings=True,
        ),
        **kwargs,
    )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


class UuidPk:
    """External identifiers are UUIDs (§26.2)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    """createdAtUtc / updatedAtUtc on every table (§26.2)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )
