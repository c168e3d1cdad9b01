"""Cursor (keyset) pagination for every list (§27.1): `cursor`, `limit` (default 50, max 200),
`nextCursor`. Cursors are opaque to clients and stable under inserts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from signage.errors import ValidationFailedError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailedError(
                f"limit must be between 1 and {MAX_LIMIT}.",
                errors=[{"location": "query.limit", "message": "out of range"}],
            )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the last row's sort values (§27.1)."""
    raw = json.dumps([str(v) for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[str]:
    """The sort values in a cursor; ValidationFailedError for a tampered or foreign one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if not isinstance(values, list) or len(values) != width:
        raise _bad_cursor()
    return [str(v) for v in values]


def paginate(
    session: Session,
    statement: Select[Any],
    order: Sequence[InstrumentedAttribute[Any]],
    request: PageRequest,
    *,
    descending: bool = False,
    parse: Sequence[Callable[[str], Any]] | None = None,
) -> Page[Any]:
    """Run `statement` ordered by `order` (ending with a unique column) from the cursor on."""
    if request.cursor:
        raw = decode_cursor(request.cursor, len(order))
        try:
            values = [p(v) for p, v in zip(parse, raw, strict=True)] if parse else raw
        except ValueError as exc:
            raise _bad_cursor() from exc
        statement = statement.where(_after(order, values, descending))
    ordering = [c.desc() if descending else c.asc() for c in order]
    rows = list(session.scalars(statement.order_by(*ordering).limit(request.limit + 1)))
    items, more = rows[: request.limit], len(rows) > request.limit
    next_cursor = encode_cursor([getattr(items[-1], c.key) for c in order]) if more else None
    return Page(items, next_cursor)


def _after(
    order: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], descending: bool
) -> Any:
    """(a, b, c) > (x, y, z) spelled out so it also works for mixed types and directions."""
    clauses = []
    for i, column in enumerate(order):
        equal_prefix = [order[j] == values[j] for j in range(i)]
        beyond = column < values[i] if descending else column > values[i]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


def _bad_cursor() -> ValidationFailedError:
    return ValidationFailedError(
        "The cursor is not valid; start again without one.",
        errors=[{"location": "query.cursor", "message": "not a cursor from this list"}],
    )
