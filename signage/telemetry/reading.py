"""Reading what a player sent, forward-compatibly (issue 15 item 4, §27.8.3, §32.4).

A newer or foreign player may send a `state` or `eventType` this server does not know, ids in
its own format (`pl_042`) or fields added later. Telemetry is still recorded: what is understood
is kept in its column, the rest as None, and the message as sent is kept whole (`raw`) so that
nothing is lost. Only a structurally broken message or a missing required field is refused."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TypeVar

Known = TypeVar("Known", bound=StrEnum)


class Reading:
    """Converts sent values to the server's types and remembers whether anything was missed."""

    def __init__(self, extras: bool = False) -> None:
        self.missed = extras  # fields this server has no place for count as missed

    def known(self, enum_type: type[Known], value: str | None) -> Known | None:
        if value is None:
            return None
        try:
            return enum_type(value)
        except ValueError:
            self.missed = True
            return None

    def uuid(self, value: str | None) -> uuid.UUID | None:
        if value is None:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.missed = True
            return None
