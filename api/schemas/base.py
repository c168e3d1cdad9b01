"""Base of every wire model: camelCase JSON (§27), snake_case Python."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

from signage.naming import DISPLAY_NAME_MAX

# A name people type and screens show (venues, devices, groups, playlists, takeovers): trimmed,
# 1-200 characters, no control characters (a newline or a bell in a name breaks every list).
DisplayName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=DISPLAY_NAME_MAX,
        pattern=r"^[^\x00-\x1f\x7f]+$",
    ),
]


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
