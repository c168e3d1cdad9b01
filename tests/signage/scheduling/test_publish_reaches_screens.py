"""Issue 15 item 2, the invariant of docs/architecture.md "Every change reaches its screens":
after any publish, rollback, override or settings change, a device's next poll gets a new
manifestEtag exactly when its resolved manifest changed, though the manifest service keeps its
per-venue snapshot cache across the change (§15, §26.9, §29.4.4, §31.8).

Each example builds a fresh tenant on the real PostgreSQL through the domain functions, warms a
ManifestService's cache by polling every device, applies one random change, and compares every
device's next poll with what a service without a cache resolves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from signage.audit import AuditContext
from signage.content.scope import LibraryScope
from signage.db.engine import Database
from signage.db.models import Asset, Device, DeviceGroup, Playlist, Tenant, Venue
from signage.devices.registry import DeviceChanges, get_device, update_device
from signage.enums import (
    ActorType,
    AssetStatus,
    AssetType,
    ContentScope,
    OverrideTargetType,
    RunMode,
    SlotTargetType,
)
from signage.manifest.cache import LocalManifestStore
from signage.manifest.document import Manifest
from signage.manifest.service import ManifestService
from signage.playlists.drafts import ItemInput, create_playlist, playlist_etag, replace_items
from signage.playlists.publishing import publish_playlist, rollback_playlist
from signage.scheduling.overrides import OverrideInput, start_override
from signage.scheduling.schedule_sets import (
    SlotInput,
    add_slot,
    publish_schedule,
    schedule_etag,
    schedule_set,
)
from signage.storage.base import ObjectStorage
from signage.tenancy.admin import VenueFields, create_venue, update_venue
from tests.support.clock import FakeClock
from tests.support.demo import Demo

SYSTEM = AuditContext(actor_type=ActorType.SYSTEM, actor_id=None, ip_address=None, request_id=None)
WORLD_AT = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)  # a Monday morning, far from a DST edge
POLL_AT = WORLD_AT + timedelta(hours=1)
CHANGE_AT = POLL_AT + timedelta(seconds=1)
NEXT_POLL_AT = POLL_AT + timedelta(seconds=5)  # past EPOCH_RECHECK: the epoch is read again


@dataclass(frozen=True)
class PlaylistPlan:
    home: int | None  # index of its venue, None: shared by the tenant
    published: bool  # published while building; otherwise a draft with items


@dataclass(frozen=True)
class VenuePlan:
    groups: int
    device_groups: tuple[int | None, ...]  # per device: index of its group
    fallback: int | None  # index of a playlist
    slots: tuple[tuple[str, int, int], ...]  # (target kind, target index, playlist index)
    override: tuple[str, int, int] | None


@dataclass(frozen=True)
class Change:
    kind: str  # publish | rollback | override | settings | fallback
    venue: int
    target: tuple[str, int]
    playlist: int


@dataclass
class World:
    """The ids a built plan got."""

    tenant_id: uuid.UUID
    venues: list[Venue] = field(default_factory=list)
    groups: list[list[uuid.UUID]] = field(default_factory=list)
    devices: list[list[uuid.UUID]] = field(default_factory=list)
    playlists: list[uuid.UUID] = field(default_factory=list)


TARGETS = st.tuples(st.sampled_from(["venue", "group", "device"]), st.integers(0, 2))


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[VenuePlan], list[PlaylistPlan], Change]:
    venue_count = draw(st.integers(1, 3))
    playlists = draw(
        st.lists(
            st.builds(
                PlaylistPlan,
                home=st.none() | st.integers(0, venue_count - 1),
                published=st.booleans(),
            ),
            min_size=1,
            max_size=4,
        )
    )
    playlist_index = st.integers(0, len(playlists) - 1)
    target_use = st.tuples(st.sampled_from(["venue", "group", "device"]), st.integers(0, 2))
    venues = [
        draw(
            st.builds(
                VenuePlan,
                groups=st.integers(0, 2),
                device_groups=st.lists(st.none() | st.integers(0, 1), min_size=1, max_size=3).map(
                    tuple
                ),
                fallback=st.none() | playlist_index,
                slots=st.lists(
                    target_use.map(lambda t: t[0]).flatmap(
                        lambda kind: st.tuples(st.just(kind), st.integers(0, 2), playlist_index)
                    ),
                    max_size=2,
                ).map(tuple),
                override=st.none()
                | st.tuples(
                    st.sampled_from(["venue", "group", "device"]), st.integers(0, 2)
                ).flatmap(lambda t: st.tuples(st.just(t[0]), st.just(t[1]), playlist_index)),
            )
        )
        for _ in range(venue_count)
    ]
    change = draw(
        st.builds(
            Change,
            kind=st.sampled_from(["publish", "rollback", "override", "settings", "fallback"]),
            venue=st.integers(0, venue_count - 1),
            target=TARGETS,
            playlist=playlist_index,
        )
    )
    return venues, playlists, change


class Builder:
    def __init__(self, session: Session, user_id: uuid.UUID, clock: FakeClock) -> None:
        self.session, self.user_id, self.clock = session, user_id, clock

    def now(self) -> datetime:
        """Every write a minute after the last: "last published" is well ordered (§31.5)."""
        return self.clock.advance(minutes=1)

    def build(self, venues: list[VenuePlan], playlists: list[PlaylistPlan]) -> World:
        tenant = Tenant(name=f"t-{uuid.uuid4()}", default_timezone="Europe/London")
        self.session.add(tenant)
        self.session.flush()
        world = World(tenant.id)
        for index, plan in enumerate(venues):
            fields = VenueFields(name=f"venue {index}", timezone="Europe/London")
            venue = create_venue(self.session, tenant.id, fields, now=self.now(), who=SYSTEM)
            world.venues.append(venue)
            world.groups.append([self._group(venue, n) for n in range(plan.groups)])
            world.devices.append(
                [
                    self._device(venue, world.groups[-1], n, g)
                    for n, g in enumerate(plan.device_groups)
                ]
            )
        for index, wanted in enumerate(playlists):
            world.playlists.append(self._playlist(world, index, wanted))
        for venue, venue_plan in zip(world.venues, venues, strict=True):
            self._schedule(world, venue, venue_plan)
        return world

    def _group(self, venue: Venue, n: int) -> uuid.UUID:
        group = DeviceGroup(tenant_id=venue.tenant_id, venue_id=venue.id, name=f"g{n}")
        self.session.add(group)
        self.session.flush()
        return group.id

    def _device(
        self, venue: Venue, groups: list[uuid.UUID], n: int, group: int | None
    ) -> uuid.UUID:
        primary = groups[group] if group is not None and group < len(groups) else None
        device = Device(
            tenant_id=venue.tenant_id, venue_id=venue.id, name=f"d{n}", primary_group_id=primary
        )
        self.session.add(device)
        self.session.flush()
        return device.id

    def _playlist(self, world: World, index: int, plan: PlaylistPlan) -> uuid.UUID:
        home = None if plan.home is None else world.venues[plan.home].id
        scope = LibraryScope(world.tenant_id, home)
        asset = Asset(
            tenant_id=world.tenant_id,
            scope_type=ContentScope.VENUE if home else ContentScope.TENANT,
            scope_venue_id=home,
            type=AssetType.IMAGE,
            status=AssetStatus.READY,
            display_name=f"a{index}.png",
            original_file_name=f"a{index}.png",
            content_type="image/png",
            file_size_bytes=10,
            checksum_sha256=f"{index:064x}",
            storage_key=f"{world.tenant_id}/assets/{uuid.uuid4()}/a.png",
            width_px=64,
            height_px=36,
        )
        self.session.add(asset)
        playlist = create_playlist(
            self.session, scope, f"p{index}", user_id=self.user_id, now=self.now(), who=SYSTEM
        )
        self.session.flush()
        replace_items(
            self.session,
            scope,
            playlist.id,
            [ItemInput(asset.id, 10 + index)],
            if_match=playlist_etag(playlist),
            now=self.now(),
            who=SYSTEM,
        )
        if plan.published:
            self.publish(scope, playlist.id)
        return playlist.id

    def publish(self, scope: LibraryScope, playlist_id: uuid.UUID) -> None:
        playlist = self.session.get_one(Playlist, playlist_id)
        publish_playlist(
            self.session,
            scope,
            playlist_id,
            if_match=playlist_etag(playlist),
            user_id=self.user_id,
            now=self.now(),
            who=SYSTEM,
        )

    def _schedule(self, world: World, venue: Venue, plan: VenuePlan) -> None:
        playable = self.playable(world, venue)
        if plan.fallback is not None and world.playlists[plan.fallback] in playable:
            fields = VenueFields(
                venue.name, venue.timezone, fallback_playlist_id=world.playlists[plan.fallback]
            )
            update_venue(
                self.session, world.tenant_id, venue.id, fields, now=self.now(), who=SYSTEM
            )
        slots = [(kind, n, world.playlists[p]) for kind, n, p in plan.slots]
        targets = [
            (self.target(world, venue, (kind, n)), playlist_id)
            for kind, n, playlist_id in slots
            if kind != "venue" and playlist_id in playable
        ]
        for found, playlist_id in targets:
            if found is None:
                continue
            slot = SlotInput(
                target_type=SlotTargetType(found[0]),
                target_id=found[1],
                playlist_id=playlist_id,
                days_of_week_mask=127,
                start_minutes=6 * 60,
                end_minutes=22 * 60,
            )
            etag = schedule_etag(schedule_set(self.session, venue))
            add_slot(self.session, venue, slot, if_match=etag, now=self.now(), who=SYSTEM)
        if any(found for found, _ in targets):
            etag = schedule_etag(schedule_set(self.session, venue))
            publish_schedule(
                self.session, venue, if_match=etag, user_id=self.user_id, now=self.now(), who=SYSTEM
            )
        if plan.override is not None:
            kind, n, p = plan.override
            self.override(world, venue, (kind, n), world.playlists[p])

    def override(
        self, world: World, venue: Venue, target: tuple[str, int], playlist_id: uuid.UUID
    ) -> None:
        found = self.target(world, venue, target)
        if found is None or playlist_id not in self.playable(world, venue):
            return
        wanted = OverrideInput(OverrideTargetType(found[0]), found[1], playlist_id)
        start_override(
            self.session, venue, wanted, user_id=self.user_id, now=self.now(), who=SYSTEM
        )

    def target(
        self, world: World, venue: Venue, target: tuple[str, int]
    ) -> tuple[str, uuid.UUID] | None:
        """(VENUE|GROUP|DEVICE, id) of a planned target that exists in `venue`."""
        kind, n = target
        index = world.venues.index(venue)
        if kind == "venue":
            return ("VENUE", venue.id)
        ids = world.groups[index] if kind == "group" else world.devices[index]
        return (kind.upper(), ids[n]) if n < len(ids) else None

    def playable(self, world: World, venue: Venue) -> list[uuid.UUID]:
        """Published playlists the venue sees (§6): what slots, fallbacks and overrides may use."""
        return [
            p.id
            for p in (self.session.get_one(Playlist, i) for i in world.playlists)
            if p.published_version is not None and p.scope_venue_id in (None, venue.id)
        ]


def apply(builder: Builder, world: World, change: Change) -> None:
    session = builder.session
    venue = world.venues[change.venue]
    playlist = session.get_one(Playlist, world.playlists[change.playlist])
    scope = LibraryScope(world.tenant_id, playlist.scope_venue_id)
    if change.kind == "publish":
        builder.publish(scope, playlist.id)
    elif change.kind == "rollback" and playlist.published_version:
        rollback_playlist(
            session,
            scope,
            playlist.id,
            1,
            if_match=playlist_etag(playlist),
            user_id=builder.user_id,
            now=builder.now(),
            who=SYSTEM,
        )
    elif change.kind == "override":
        builder.override(world, venue, change.target, playlist.id)
    elif change.kind == "settings" and world.devices[change.venue]:
        device_id = world.devices[change.venue][change.target[1] % len(world.devices[change.venue])]
        etag = get_device(session, venue, device_id, builder.now()).etag
        update_device(
            session,
            venue,
            device_id,
            DeviceChanges(frozenset({"run_mode"}), run_mode=RunMode.KIOSK),
            if_match=etag,
            now=builder.now(),
            who=SYSTEM,
        )
    elif change.kind == "fallback" and playlist.id in builder.playable(world, venue):
        fields = VenueFields(venue.name, venue.timezone, fallback_playlist_id=playlist.id)
        update_venue(session, world.tenant_id, venue.id, fields, now=builder.now(), who=SYSTEM)


def polls(
    service: ManifestService, database: Database, world: World, at: datetime
) -> dict[uuid.UUID, Manifest]:
    with database.sessions() as session:
        return {
            device_id: service.resolve(session, venue.id, device_id, at)
            for venue, devices in zip(world.venues, world.devices, strict=True)
            for device_id in devices
        }


def content(manifest: Manifest) -> Any:
    """What a screen acts on, without the ETag (§27.8.1)."""
    return (dict(manifest.settings), manifest.playlist, manifest.valid_to_utc, manifest.screen)


def a_service() -> ManifestService:
    store = LocalManifestStore(FakeClock(POLL_AT))
    return ManifestService(cast(ObjectStorage, None), store, timedelta(hours=1))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=plans())
def test_a_change_reaches_exactly_the_screens_whose_manifest_it_changes(
    database: Database, demo: Demo, plan: tuple[list[VenuePlan], list[PlaylistPlan], Change]
) -> None:
    venues, playlists, change = plan
    clock = FakeClock(WORLD_AT)
    with database.unit_of_work() as session:
        world = Builder(session, demo.user_ids["admin"], clock).build(venues, playlists)
    cached = a_service()
    before = polls(cached, database, world, POLL_AT)  # every venue's snapshot is now cached

    clock.now = CHANGE_AT
    with database.unit_of_work() as session:
        world.venues = [session.get_one(Venue, v.id) for v in world.venues]
        apply(Builder(session, demo.user_ids["admin"], clock), world, change)

    next_poll = polls(cached, database, world, NEXT_POLL_AT)
    truth = polls(a_service(), database, world, NEXT_POLL_AT)
    for device_id, manifest in truth.items():
        assert next_poll[device_id] == manifest, f"device {device_id} got a stale manifest"
        changed = content(manifest) != content(before[device_id])
        assert (next_poll[device_id].etag != before[device_id].etag) == changed
