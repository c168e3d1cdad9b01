"""Which screens have support commands waiting, as this process last read them (issue 18
item 2; §29.6 "optional command caching"): a command poll from any other screen is answered
"none" from memory. A screen polls commands twice as often as its manifest (§27.1), and almost
always there are none, so the query each poll made was the largest part of a fleet's cost.

The set is read again at most every RECHECK, off the request path; a poll is answered from it
only while it is no older than the caller allows. A command issued by this process marks its
screen at once and stays marked for ISSUE_GRACE, longer than a read in flight can miss its
commit, so a screen is never told "none" here while its command is waiting in this process's
view; one issued by another process is seen at the next read, within seconds.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.db.models import DeviceCommand
from signage.devices.commands import OPEN_STATUSES

RECHECK = timedelta(seconds=1)
ISSUE_GRACE = timedelta(seconds=30)


def screens_with_open_commands(session: Session, now: datetime) -> set[uuid.UUID]:
    """Every screen with a command PENDING or DELIVERED and not expired; the partial index
    ix_device_commands_open holds only such rows, however long the history grows."""
    statement = (
        select(DeviceCommand.device_id)
        .where(DeviceCommand.status.in_(OPEN_STATUSES), DeviceCommand.expires_at > now)
        .distinct()
    )
    return set(session.scalars(statement))


class WaitingCommands:
    def __init__(self) -> None:
        self._waiting: frozenset[uuid.UUID] = frozenset()
        self._read_at: datetime | None = None
        self._issued: dict[uuid.UUID, datetime] = {}
        self._lock = threading.Lock()

    def needs_read(self, now: datetime) -> bool:
        return self._read_at is None or now - self._read_at >= RECHECK

    def none_for(self, device_id: uuid.UUID, now: datetime, *, within: timedelta) -> bool:
        """True only when it is known that nothing waits for the screen: read within `within`
        of now, not among the screens read, not issued a command here lately."""
        read_at = self._read_at
        return (
            read_at is not None
            and now - read_at <= within
            and device_id not in self._waiting
            and device_id not in self._issued
        )

    def issued(self, device_id: uuid.UUID, now: datetime) -> None:
        with self._lock:
            self._issued[device_id] = now

    def replace(self, waiting: Iterable[uuid.UUID], read_at: datetime) -> None:
        """What a read that began at `read_at` found."""
        with self._lock:
            self._waiting = frozenset(waiting)
            self._issued = {d: t for d, t in self._issued.items() if read_at - t < ISSUE_GRACE}
            self._read_at = read_at

    def read(self, session: Session, now: datetime) -> None:
        self.replace(screens_with_open_commands(session, now), now)
