"""What several pages read besides their own subject: the names of the people who published or
sent something, and what a venue's forms offer to choose from (its groups and screens, the
playlists it sees)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.webapp.access import venue_scope
from signage.db.models import Asset, Device, DeviceGroup, Playlist, User, Venue
from signage.queries import live, visible_to


@dataclass(frozen=True)
class Choice:
    """One option of a select: the value posted and the words shown."""

    value: str
    label: str


def user_names(session: Session, user_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Display names of the users named, by id."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def target_choices(session: Session, venue: Venue) -> dict[uuid.UUID, Choice]:
    """The venue's groups and screens, as the target list offers them ("GROUP:<id>"), each with
    its membership (issue 19 item 6): a group names its screens, a screen its group."""
    named = select(DeviceGroup.id, DeviceGroup.name).where(DeviceGroup.venue_id == venue.id)
    groups = {group_id: name for group_id, name in session.execute(named)}
    devices = session.execute(
        select(Device.id, Device.name, Device.primary_group_id)
        .where(Device.venue_id == venue.id, live(Device))
        .order_by(Device.name)
    ).all()
    members: dict[uuid.UUID, list[str]] = {group_id: [] for group_id in groups}
    for _, name, group_id in devices:
        if group_id in members:
            members[group_id].append(name)
    choices = {
        group_id: Choice(f"GROUP:{group_id}", f"Group: {name} ({_screens(members[group_id])})")
        for group_id, name in groups.items()
    }
    for device_id, name, group_id in devices:
        where = f" (in {groups[group_id]})" if group_id in groups else ""
        choices[device_id] = Choice(f"DEVICE:{device_id}", f"Screen: {name}{where}")
    return choices


def _screens(names: list[str]) -> str:
    if not names:
        return "no screens yet"
    return f"{len(names)} screen{'s' if len(names) > 1 else ''}: {', '.join(names)}"


def visible_playlists(session: Session, venue: Venue) -> dict[uuid.UUID, Playlist]:
    """The playlists the venue sees: its own and the shared ones (§6), published or not."""
    found = session.scalars(select(Playlist).where(visible_to(venue_scope(venue), Playlist)))
    return {playlist.id: playlist for playlist in found}


Content = TypeVar("Content", Asset, Playlist)


def visible_by_id(
    session: Session, model: type[Content], venue: Venue, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, Content]:
    """The assets or playlists named by `ids` that the venue sees (§6), by id; ids from a
    device or a form that name something else (another tenant's) find nothing."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    scope = visible_to(venue_scope(venue), model)
    return {
        row.id: row for row in session.scalars(select(model).where(scope, model.id.in_(wanted)))
    }
