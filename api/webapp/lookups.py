"""What several pages read besides their own subject: the names of the people who published or
sent something, and what a venue's forms offer to choose from (its groups and screens, the
playlists it sees)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.webapp.access import venue_scope
from signage.db.models import Device, DeviceGroup, Playlist, User, Venue


@dataclass(frozen=True)
class Choice:
    """One option of a select: the value posted and the words shown."""

    value: str
    label: str


def user_names(session: Session, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def target_choices(session: Session, venue: Venue) -> dict[uuid.UUID, Choice]:
    """The venue's groups and screens, as the target list offers them ("GROUP:<id>")."""
    groups = session.execute(
        select(DeviceGroup.id, DeviceGroup.name).where(DeviceGroup.venue_id == venue.id)
    )
    devices = session.execute(
        select(Device.id, Device.name).where(
            Device.venue_id == venue.id, Device.deleted_at.is_(None)
        )
    )
    return {
        row_id: Choice(f"{kind}:{row_id}", f"{label}: {name}")
        for rows, kind, label in ((groups, "GROUP", "Group"), (devices, "DEVICE", "Screen"))
        for row_id, name in rows
    }


def visible_playlists(session: Session, venue: Venue) -> dict[uuid.UUID, Playlist]:
    """The playlists the venue sees: its own and the shared ones (§6), published or not."""
    found = session.scalars(
        select(Playlist).where(venue_scope(venue).sees(Playlist), Playlist.deleted_at.is_(None))
    )
    return {playlist.id: playlist for playlist in found}
