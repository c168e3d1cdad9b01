""" "What plays when" for a device or a group of a venue: the resolver stepped over a window,
from the same snapshot the manifests are built from, so the two always agree (§31.10)."""

from __future__ import annotations

import uuid
from datetime import datetime

from signage.enums import SlotTargetType
from signage.errors import NotFoundError
from signage.manifest.snapshot import DeviceFacts, VenueSnapshot
from signage.scheduling.model import TimelineInterval
from signage.scheduling.resolver import CompiledSchedule, compile_schedule, timeline_compiled


def target_timeline(
    snapshot: VenueSnapshot,
    target_type: SlotTargetType,
    target_id: uuid.UUID,
    start_utc: datetime,
    end_utc: datetime,
) -> tuple[str, list[TimelineInterval]]:
    """(effective timezone, intervals) for the target over [start_utc, end_utc)."""
    compiled = _compiled(snapshot, target_type, target_id)
    intervals = timeline_compiled(compiled, snapshot.overrides, start_utc, end_utc)
    return compiled.timezone.key, intervals


def _compiled(
    snapshot: VenueSnapshot, target_type: SlotTargetType, target_id: uuid.UUID
) -> CompiledSchedule:
    if target_type is SlotTargetType.DEVICE:
        device = snapshot.devices.get(target_id)
        if device is None:
            raise NotFoundError(f"Device {target_id} was not found.")
        return snapshot.compiled_for(device)
    # A group's timeline is what a device of the group with no slots of its own would play.
    stand_in = DeviceFacts(uuid.UUID(int=0), target_id, None, {})
    return compile_schedule(snapshot.context_for(stand_in), snapshot.slots)
