"""A venue's weekly schedule (§7, §26.8, §27.6, §27.9): draft slots, publish, rollback.

One schedule set per venue. Slot changes move the set's draft_version, its ETag (§16), and need
If-Match. Publishing copies the enabled and disabled draft slots into an immutable version; the
resolver reads only the published version (§31.1). Publish and rollback run in the caller's one
transaction with the epoch bump (§26.9), the PublishEvent and the audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from signage import audit
from signage.audit import AuditTarget
from signage.concurrency import etag_for, require_if_match
from signage.content.scope import LibraryScope
from signage.db.models import (
    Device,
    DeviceGroup,
    Playlist,
    SchedulePublished,
    SchedulePublishedSlot,
    ScheduleSlot,
    Venue,
    VenueScheduleSet,
)
from signage.enums import PublishEventType, SlotTargetType
from signage.epochs import bump_venue_epoch
from signage.errors import NotFoundError, ValidationFailedError
from signage.playlists.drafts import visible_playlist
from signage.publish_history import Publication, record_publish
from signage.scheduling.model import SlotRule

SLOT_COLUMNS = (
    "target_type",
    "target_id",
    "playlist_id",
    "days_of_week_mask",
    "start_minutes",
    "end_minutes",
    "priority",
    "valid_from_date",
    "valid_to_date",
    "enabled",
)


@dataclass(frozen=True)
class SlotInput:
    """A slot as an editor states it; ranges are checked at the edge, references here."""

    target_type: SlotTargetType
    target_id: uuid.UUID
    playlist_id: uuid.UUID
    days_of_week_mask: int
    start_minutes: int
    end_minutes: int
    priority: int = 0
    valid_from_date: date | None = None
    valid_to_date: date | None = None
    enabled: bool = True


def schedule_etag(schedule: VenueScheduleSet) -> str:
    """The schedule's ETag: its draft version (§16)."""
    return etag_for("schedule", schedule.draft_version)


def schedule_set(session: Session, venue: Venue, *, for_update: bool = False) -> VenueScheduleSet:
    """The venue's schedule set, created empty on first use (a read writes nothing after)."""
    statement = select(VenueScheduleSet).where(VenueScheduleSet.venue_id == venue.id)
    if for_update:
        statement = statement.with_for_update()
    found = session.scalars(statement).one_or_none()
    if found is not None:
        return found
    session.execute(  # two first uses at once: one inserts, the other's insert does nothing
        insert(VenueScheduleSet)
        .values(id=uuid.uuid4(), tenant_id=venue.tenant_id, venue_id=venue.id, draft_version=1)
        .on_conflict_do_nothing(index_elements=["venue_id"])
    )
    return session.scalars(statement).one()


def draft_slots(session: Session, venue_id: uuid.UUID) -> list[ScheduleSlot]:
    """The venue's draft slots by start time."""
    return list(
        session.scalars(
            select(ScheduleSlot)
            .where(ScheduleSlot.venue_id == venue_id)
            .order_by(ScheduleSlot.start_minutes, ScheduleSlot.created_at, ScheduleSlot.id)
        )
    )


def add_slot(
    session: Session,
    venue: Venue,
    slot: SlotInput,
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> tuple[VenueScheduleSet, ScheduleSlot]:
    """Add a checked slot to the draft under If-Match, audited."""
    schedule = _locked_for_change(session, venue, if_match)
    _validate(session, venue, slot)
    row = ScheduleSlot(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        created_at=now,
        updated_at=now,
        **{column: getattr(slot, column) for column in SLOT_COLUMNS},
    )
    session.add(row)
    session.flush()
    _changed(session, schedule, venue, now, who, {"added": str(row.id)})
    return schedule, row


def update_slot(
    session: Session,
    venue: Venue,
    slot_id: uuid.UUID,
    slot: SlotInput,
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> tuple[VenueScheduleSet, ScheduleSlot]:
    """Replace a draft slot's fields under If-Match, audited."""
    schedule = _locked_for_change(session, venue, if_match)
    row = draft_slot(session, venue, slot_id)
    _validate(session, venue, slot)
    for column in SLOT_COLUMNS:
        setattr(row, column, getattr(slot, column))
    row.updated_at = now  # §7 "latest updated resolves ties"
    _changed(session, schedule, venue, now, who, {"updated": str(row.id)})
    return schedule, row


def delete_slot(
    session: Session,
    venue: Venue,
    slot_id: uuid.UUID,
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> VenueScheduleSet:
    """Remove a draft slot under If-Match, audited."""
    schedule = _locked_for_change(session, venue, if_match)
    session.delete(draft_slot(session, venue, slot_id))
    _changed(session, schedule, venue, now, who, {"deleted": str(slot_id)})
    return schedule


def publish_schedule(
    session: Session,
    venue: Venue,
    *,
    if_match: str | None,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> SchedulePublished:
    """Copy the draft slots into a new published version. 422 unless every playlist a slot uses
    is published (§27.10) and every target still exists in the venue."""
    schedule = _locked_for_change(session, venue, if_match)
    slots = draft_slots(session, venue.id)
    _require_publishable(session, venue, [_input_of(slot) for slot in slots])
    rows = [({c: getattr(s, c) for c in SLOT_COLUMNS}, s.id, s.updated_at) for s in slots]
    return _new_version(session, schedule, venue, rows, None, user_id=user_id, now=now, who=who)


def rollback_schedule(
    session: Session,
    venue: Venue,
    to_version: int,
    *,
    if_match: str | None,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> SchedulePublished:
    """Publish again what version `to_version` held, as a new version; the draft is untouched."""
    schedule = _locked_for_change(session, venue, if_match)
    if schedule.published_version is None or not 1 <= to_version <= schedule.published_version:
        raise NotFoundError(f"The schedule has no published version {to_version}.")
    old = published_slots(session, venue.id, to_version)
    _require_publishable(session, venue, [_input_of(slot) for slot in old])
    rows = [
        ({c: getattr(s, c) for c in SLOT_COLUMNS}, s.source_slot_id, s.slot_updated_at) for s in old
    ]
    return _new_version(
        session, schedule, venue, rows, to_version, user_id=user_id, now=now, who=who
    )


@dataclass(frozen=True)
class DraftStanding:
    """How the draft schedule stands against what plays (issue 19 items 1-2)."""

    live_version: int | None
    rolled_back_to: int | None  # the live version is a rollback to this one
    unchanged: bool  # publishing would copy exactly what plays, or nothing ever was and is
    unpublished_playlists: tuple[str, ...]  # slots use these; publishing is refused (§27.10)

    @property
    def refusal(self) -> str | None:
        """Why publishing now would mean nothing or fail, in words; None when it would not."""
        if self.unchanged:
            if self.live_version is None:
                return "Add a slot first: there is nothing to publish."
            return "Nothing to publish: screens already play this draft."
        if self.unpublished_playlists:
            names = ", ".join(self.unpublished_playlists)
            return f"Publish {names} first: screens play only published playlists."
        return None

    @property
    def undoes_rollback(self) -> bool:
        """Publishing this draft would replace the rollback that is live (issue 19 item 1)."""
        return self.rolled_back_to is not None and not self.unchanged


def draft_standing(session: Session, venue: Venue, schedule: VenueScheduleSet) -> DraftStanding:
    """Compare the draft slots with the live version's, slot by slot (ids and every field)."""
    draft = draft_slots(session, venue.id)
    live_version = schedule.published_version
    live = published_slots(session, venue.id, live_version)
    live_row = None if live_version is None else _published_row(session, venue, live_version)
    unpublished = {
        playlist.name
        for slot in draft
        if (playlist := session.get(Playlist, slot.playlist_id)) is not None
        and playlist.published_version is None
    }
    return DraftStanding(
        live_version=live_version,
        rolled_back_to=live_row.rolled_back_to_version if live_row is not None else None,
        unchanged=_fingerprint(draft, lambda s: s.id) == _fingerprint(live, _source_id),
        unpublished_playlists=tuple(sorted(unpublished)),
    )


def _source_id(slot: SchedulePublishedSlot) -> uuid.UUID:
    return slot.source_slot_id


def _fingerprint(slots: Sequence[Any], slot_id: Callable[[Any], uuid.UUID]) -> set[tuple[Any, ...]]:
    return {(slot_id(s), *(getattr(s, c) for c in SLOT_COLUMNS)) for s in slots}


def _published_row(session: Session, venue: Venue, version: int) -> SchedulePublished | None:
    return session.scalar(
        select(SchedulePublished).where(
            SchedulePublished.venue_id == venue.id, SchedulePublished.published_version == version
        )
    )


def discard_draft(
    session: Session,
    venue: Venue,
    *,
    if_match: str | None,
    now: datetime,
    who: audit.AuditContext,
) -> VenueScheduleSet:
    """The draft slots become the live version's again, with their ids and the update times
    that settle ties (§7), as one draft change under If-Match (issue 19 item 1)."""
    schedule = _locked_for_change(session, venue, if_match)
    if schedule.published_version is None:
        raise ValidationFailedError("The schedule was never published: there is no live version.")
    live = published_slots(session, venue.id, schedule.published_version)
    session.execute(delete(ScheduleSlot).where(ScheduleSlot.venue_id == venue.id))
    session.add_all(
        ScheduleSlot(
            id=slot.source_slot_id,
            tenant_id=venue.tenant_id,
            venue_id=venue.id,
            created_at=now,
            updated_at=slot.slot_updated_at,
            **{column: getattr(slot, column) for column in SLOT_COLUMNS},
        )
        for slot in live
    )
    details = {"discardedTo": schedule.published_version}
    _changed(session, schedule, venue, now, who, details)
    return schedule


def published_slots(
    session: Session, venue_id: uuid.UUID, version: int | None
) -> list[SchedulePublishedSlot]:
    """The slots of one published version (none before the first publish)."""
    if version is None:
        return []
    return list(
        session.scalars(
            select(SchedulePublishedSlot)
            .where(
                SchedulePublishedSlot.venue_id == venue_id,
                SchedulePublishedSlot.published_version == version,
            )
            .order_by(SchedulePublishedSlot.start_minutes, SchedulePublishedSlot.source_slot_id)
        )
    )


def slot_rule(slot: SchedulePublishedSlot | ScheduleSlot) -> SlotRule:
    """A published (or, for previews, draft) slot in the resolver's terms."""
    if isinstance(slot, SchedulePublishedSlot):
        slot_id, updated_at = slot.source_slot_id, slot.slot_updated_at
    else:
        slot_id, updated_at = slot.id, slot.updated_at
    return SlotRule(
        slot_id=slot_id,
        target_type=slot.target_type,
        target_id=slot.target_id,
        playlist_id=slot.playlist_id,
        days_of_week_mask=slot.days_of_week_mask,
        start_minutes=slot.start_minutes,
        end_minutes=slot.end_minutes,
        priority=slot.priority,
        updated_at_utc=updated_at,
        valid_from_date=slot.valid_from_date,
        valid_to_date=slot.valid_to_date,
        enabled=slot.enabled,
    )


def schedule_versions(session: Session, venue_id: uuid.UUID) -> list[SchedulePublished]:
    """The venue's published schedule versions, newest first."""
    return list(
        session.scalars(
            select(SchedulePublished)
            .where(SchedulePublished.venue_id == venue_id)
            .order_by(SchedulePublished.published_version.desc())
        )
    )


def _locked_for_change(session: Session, venue: Venue, if_match: str | None) -> VenueScheduleSet:
    schedule = schedule_set(session, venue, for_update=True)
    require_if_match(if_match, schedule_etag(schedule))
    return schedule


def draft_slot(session: Session, venue: Venue, slot_id: uuid.UUID) -> ScheduleSlot:
    """One draft slot of the venue; another venue's is not found (§25.6)."""
    slot = session.scalar(
        select(ScheduleSlot).where(ScheduleSlot.id == slot_id, ScheduleSlot.venue_id == venue.id)
    )
    if slot is None:
        raise NotFoundError(f"Slot {slot_id} was not found.")
    return slot


def _input_of(slot: ScheduleSlot | SchedulePublishedSlot) -> SlotInput:
    return SlotInput(**{column: getattr(slot, column) for column in SLOT_COLUMNS})


def _validate(session: Session, venue: Venue, slot: SlotInput) -> None:
    """§30.10 on update: bounds, date order, a target and a playlist of this venue."""
    errors, _ = _reference_errors(session, venue, slot, "body")
    if slot.valid_from_date and slot.valid_to_date and slot.valid_from_date > slot.valid_to_date:
        errors.append({"location": "body.validToDate", "message": "before validFromDate"})
    if errors:
        raise ValidationFailedError("The slot is not valid.", errors=errors)


def _reference_errors(
    session: Session, venue: Venue, slot: SlotInput, location: str
) -> tuple[list[dict[str, Any]], Playlist | None]:
    """What the slot names that does not exist here, and its playlist when it does."""
    errors: list[dict[str, Any]] = []
    target: Device | DeviceGroup | None = (
        session.get(Device, slot.target_id)
        if slot.target_type is SlotTargetType.DEVICE
        else session.get(DeviceGroup, slot.target_id)
    )
    gone = isinstance(target, Device) and target.deleted_at is not None
    if target is None or target.venue_id != venue.id or gone:
        errors.append({"location": f"{location}.targetId", "message": "no such target here"})
    playlist = visible_playlist(session, LibraryScope(venue.tenant_id, venue.id), slot.playlist_id)
    if playlist is None:
        errors.append({"location": f"{location}.playlistId", "message": "no such playlist here"})
    return errors, playlist


def _require_publishable(session: Session, venue: Venue, slots: list[SlotInput]) -> None:
    errors: list[dict[str, Any]] = []
    for index, slot in enumerate(slots):
        location = f"slots[{index}]"
        missing, playlist = _reference_errors(session, venue, slot, location)
        errors += missing
        if playlist is not None and playlist.published_version is None:
            errors.append(
                {
                    "location": f"{location}.playlistId",
                    "playlistId": str(playlist.id),
                    "name": playlist.name,
                    "message": "the playlist has never been published",
                }
            )
    if errors:
        raise ValidationFailedError(
            "Every slot must use a published playlist and an existing target.", errors=errors
        )


def _changed(
    session: Session,
    schedule: VenueScheduleSet,
    venue: Venue,
    now: datetime,
    who: audit.AuditContext,
    details: dict[str, Any],
) -> None:
    schedule.draft_version += 1
    schedule.updated_at = now
    session.flush()
    audit.record(
        session,
        who,
        audit.AuditAction.SCHEDULE_UPDATED,
        tenant_id=venue.tenant_id,
        now=now,
        target_type=AuditTarget.VENUE,
        target_id=venue.id,
        details=details,
    )


def _new_version(
    session: Session,
    schedule: VenueScheduleSet,
    venue: Venue,
    rows: list[tuple[dict[str, Any], uuid.UUID, datetime]],
    rolled_back_to: int | None,
    *,
    user_id: uuid.UUID,
    now: datetime,
    who: audit.AuditContext,
) -> SchedulePublished:
    previous = schedule.published_version
    version = (previous or 0) + 1
    published = SchedulePublished(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        published_version=version,
        published_at=now,
        published_by_user_id=user_id,
        rolled_back_to_version=rolled_back_to,
    )
    session.add(published)
    session.flush()
    session.add_all(
        SchedulePublishedSlot(
            tenant_id=venue.tenant_id,
            venue_id=venue.id,
            published_version=version,
            source_slot_id=source_id,
            slot_updated_at=updated_at,
            created_at=now,
            updated_at=now,
            **columns,
        )
        for columns, source_id, updated_at in rows
    )
    schedule.published_version = version
    bump_venue_epoch(session, venue.id, now)
    rollback = rolled_back_to is not None
    event = PublishEventType.SCHEDULE_ROLLBACK if rollback else PublishEventType.SCHEDULE_PUBLISH
    publication = Publication(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        type=event,
        entity_id=schedule.id,
        snapshot={"rolledBackToVersion": rolled_back_to, "slots": [_wire(r) for r in rows]},
        audit_target=(AuditTarget.VENUE, venue.id),
        from_version=previous,
        to_version=version,
    )
    details = {"version": version, "rolledBackTo": rolled_back_to, "slots": len(rows)}
    record_publish(session, who, publication, user_id=user_id, now=now, details=details)
    session.flush()
    return published


def _wire(row: tuple[dict[str, Any], uuid.UUID, datetime]) -> dict[str, Any]:
    """A published slot as JSON for the PublishEvent snapshot (camelCase, like the API)."""
    columns, source_id, _ = row
    return {"slotId": str(source_id), **{_camel(c): _json(v) for c, v in columns.items()}}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _json(value: object) -> object:
    return value if value is None or isinstance(value, bool | int) else str(value)
