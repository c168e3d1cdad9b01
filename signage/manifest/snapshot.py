"""Everything the manifest of a venue's devices depends on, read once per venue epoch (§31.7:
"cache published schedules, cache playlist snapshots"; §31.8: keyed by the epoch).

Every change that can alter a venue's manifests bumps its epoch in the same transaction
(§26.9), so a snapshot read at epoch N stays right for as long as the epoch is N.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.content.scope import LibraryScope
from signage.db.models import (
    Asset,
    Device,
    Playlist,
    PlaylistPublished,
    PlaylistPublishedItem,
    Tenant,
    Venue,
    VenueScheduleSet,
)
from signage.enums import DeviceLifecycle, OverrideTargetType, SlotTargetType
from signage.epochs import venue_epoch
from signage.manifest.document import Manifest, ManifestItem, PlaylistSnapshot
from signage.queries import live
from signage.scheduling.model import DeviceContext, OverrideRule, SlotRule
from signage.scheduling.overrides import override_rules
from signage.scheduling.resolver import CompiledSchedule, compile_schedule
from signage.scheduling.schedule_sets import published_slots, slot_rule


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    device_id: uuid.UUID
    group_id: uuid.UUID | None
    timezone: str | None
    settings: dict[str, Any]  # §27.8.1 settings, from the device record
    name: str = ""


@dataclass(frozen=True)
class VenueSnapshot:
    venue_id: uuid.UUID
    epoch: int
    venue_name: str
    tenant_timezone: str
    venue_timezone: str
    fallback_playlist_id: uuid.UUID | None
    last_published_playlist_id: uuid.UUID | None
    slots: tuple[SlotRule, ...]
    overrides: tuple[OverrideRule, ...]
    devices: dict[uuid.UUID, DeviceFacts]
    playlists: dict[uuid.UUID, PlaylistSnapshot]
    # Devices named by a DEVICE slot or override: their answer is their own (§31.8 deviceId*).
    device_targets: frozenset[str] = frozenset()
    _compiled: dict[tuple[str, str], CompiledSchedule] = field(default_factory=dict, repr=False)
    _resolved: dict[uuid.UUID, tuple[datetime, Manifest]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def context_for(self, device: DeviceFacts) -> DeviceContext:
        return DeviceContext(
            device_id=device.device_id,
            venue_id=self.venue_id,
            tenant_timezone=self.tenant_timezone,
            group_ids=() if device.group_id is None else (device.group_id,),
            device_timezone=device.timezone,
            venue_timezone=self.venue_timezone,
            venue_fallback_playlist_id=self._published(self.fallback_playlist_id),
            last_published_playlist_id=self._published(self.last_published_playlist_id),
        )

    def cache_key(self, device: DeviceFacts) -> tuple[str, str]:
        """(groupId, deviceId*) of §31.8: the device id only when its answer is its own."""
        own = device.timezone is not None or str(device.device_id) in self.device_targets
        return (str(device.group_id), str(device.device_id) if own else "")

    def compiled_for(self, device: DeviceFacts) -> CompiledSchedule:
        """The schedule compiled for this device's targets, shared by the devices of a group."""
        key = self.cache_key(device)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = compile_schedule(self.context_for(device), self.slots)
            with self._lock:
                self._compiled[key] = compiled
        return compiled

    def resolved(self, device_id: uuid.UUID, now: datetime) -> Manifest | None:
        """The device's manifest resolved earlier in this snapshot, while `now` lies between
        then and its validToUtc: the resolver's answer holds until valid_to (§31.7; the
        property test_resolve_matches_the_oracle_and_holds_until_valid_to), so a poll of a
        fleet's screen skips resolving, hashing and dating the same answer again."""
        entry = self._resolved.get(device_id)
        if entry is None:
            return None
        resolved_at, manifest = entry
        return manifest if resolved_at <= now < manifest.valid_to_utc else None

    def keep_resolved(self, device_id: uuid.UUID, now: datetime, manifest: Manifest) -> None:
        self._resolved[device_id] = (now, manifest)

    def _published(self, playlist_id: uuid.UUID | None) -> uuid.UUID | None:
        return playlist_id if playlist_id in self.playlists else None


def current_epoch(session: Session, venue_id: uuid.UUID) -> int:
    """The venue's epoch, the key its snapshots are cached under."""
    return venue_epoch(session, venue_id)


def load_snapshot(
    session: Session, venue_id: uuid.UUID, epoch: int, now: datetime
) -> VenueSnapshot:
    """Everything the resolver needs about the venue at `epoch`, read in one go."""
    venue = session.get_one(Venue, venue_id)
    tenant = session.get_one(Tenant, venue.tenant_id)
    version = session.scalar(
        select(VenueScheduleSet.published_version).where(VenueScheduleSet.venue_id == venue_id)
    )
    slots = tuple(slot_rule(s) for s in published_slots(session, venue_id, version))
    overrides = tuple(override_rules(session, venue_id, now))
    last_published = _last_published(session, venue)
    wanted = {s.playlist_id for s in slots} | {o.playlist_id for o in overrides}
    wanted |= {p for p in (venue.fallback_playlist_id, last_published) if p is not None}
    return VenueSnapshot(
        venue_id=venue_id,
        epoch=epoch,
        venue_name=venue.name,
        tenant_timezone=tenant.default_timezone,
        venue_timezone=venue.timezone,
        fallback_playlist_id=venue.fallback_playlist_id,
        last_published_playlist_id=last_published,
        slots=slots,
        overrides=overrides,
        devices=_devices(session, venue_id),
        playlists=_playlists(session, (uuid.UUID(str(p)) for p in wanted)),
        device_targets=frozenset(
            [str(s.target_id) for s in slots if s.target_type is SlotTargetType.DEVICE]
            + [str(o.target_id) for o in overrides if o.target_type is OverrideTargetType.DEVICE]
        ),
    )


def _last_published(session: Session, venue: Venue) -> uuid.UUID | None:
    """§31.5 "last published": the playlist visible to the venue published most recently."""
    return session.scalar(
        select(PlaylistPublished.playlist_id)
        .join(Playlist, Playlist.id == PlaylistPublished.playlist_id)
        .where(LibraryScope(venue.tenant_id, venue.id).sees(Playlist), live(Playlist))
        .order_by(PlaylistPublished.published_at.desc(), PlaylistPublished.id)
        .limit(1)
    )


def _devices(session: Session, venue_id: uuid.UUID) -> dict[uuid.UUID, DeviceFacts]:
    devices = session.scalars(
        select(Device).where(
            Device.venue_id == venue_id,
            live(Device),
            Device.status == DeviceLifecycle.ACTIVE,
        )
    )
    return {
        d.id: DeviceFacts(d.id, d.primary_group_id, d.timezone, device_settings(d), d.name)
        for d in devices
    }


def device_settings(device: Device) -> dict[str, Any]:
    """The device's settings as the manifest carries them (§27.8)."""
    return {
        "runMode": str(device.run_mode),
        "launchOnBoot": device.launch_on_boot,
        "autoRelaunch": device.auto_relaunch,
        "keepAwake": device.keep_awake,
        "watchdogReturnToForeground": device.watchdog_return_to_foreground,
        "orientation": str(device.orientation),
        # §11.1 "a cacheBudgetBytes hint in settings" (issue 15 item 7): the player evicts to it.
        "cacheBudgetBytes": device.cache_budget_bytes,
    }


def _playlists(
    session: Session, playlist_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, PlaylistSnapshot]:
    """The current published snapshot of each playlist that has one."""
    rows = session.execute(
        select(Playlist.id, Playlist.published_version, PlaylistPublishedItem, Asset)
        .join(
            PlaylistPublishedItem,
            (PlaylistPublishedItem.playlist_id == Playlist.id)
            & (PlaylistPublishedItem.published_version == Playlist.published_version),
        )
        .join(Asset, Asset.id == PlaylistPublishedItem.asset_id)
        .where(Playlist.id.in_(list(playlist_ids)), live(Playlist))
        .order_by(Playlist.id, PlaylistPublishedItem.sequence)
    )
    items: dict[uuid.UUID, list[ManifestItem]] = {}
    versions: dict[uuid.UUID, int] = {}
    for playlist_id, version, item, asset in rows:
        versions[playlist_id] = version or 0  # the join matched, so it is published
        items.setdefault(playlist_id, []).append(_manifest_item(item, asset))
    return {
        playlist_id: PlaylistSnapshot(playlist_id, versions[playlist_id], tuple(entries))
        for playlist_id, entries in items.items()
    }


def _manifest_item(item: PlaylistPublishedItem, asset: Asset) -> ManifestItem:
    length = asset.duration_seconds
    duration = item.duration_seconds or max(1, round(length or 0))
    return ManifestItem(
        asset_id=asset.id,
        type=str(asset.type),
        storage_key=asset.storage_key,
        checksum_sha256=asset.checksum_sha256 or "",
        duration_seconds=duration,
        width_px=asset.width_px or 0,
        height_px=asset.height_px or 0,
        file_size_bytes=asset.file_size_bytes or 0,
    )
