"""Base of every wire model: camelCase JSON (§27), snake_case Python."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        from_attributes=True,
        extra="forbid",  # unknown fields are refused, which also blocks mass assignment
    )


T = TypeVar("T")


class Page(ApiModel, Generic[T]):
    """Cursor pagination envelope (§27.1)."""

    items: list[T]
    next_cursor: str | None = None
