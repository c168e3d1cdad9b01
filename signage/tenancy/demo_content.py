"""Real content for the demo tenant (issue: "a device paired to a demo venue plays something at
once"): promo cards and a clip uploaded and ingested by the same code the pipeline runs, a
published shared playlist that is both venues' fallback, and a published weekly schedule at
the Fortescue Arms with a happy-hour slot for its bar screens.

Idempotent: it does nothing once the shared playlist exists.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.config import Settings
from signage.content import uploads
from signage.content.ingestion import ingest_asset
from signage.content.scope import LibraryScope
from signage.db.engine import Database
from signage.db.models import DeviceGroup, Playlist, Tenant, User, Venue
from signage.enums import ActorType, SlotTargetType
from signage.epochs import bump_venue_epoch
from signage.media.rules import MediaLimits
from signage.playlists import drafts, publishing
from signage.scheduling import schedule_sets
from signage.storage.base import ObjectStorage
from signage.tenancy import demo
from signage.tenancy.demo_media import promo_card, promo_clip

HOUSE_PLAYLIST = "House promotions"
HAPPY_HOUR_PLAYLIST = "Happy hour"
BAR_GROUP = "Bar screens"
WEEKDAYS = 0b0011111  # Monday to Friday (bit 0 = Monday, §26.8)
DEMO_ADMIN_EMAIL = demo.DEMO_USERS[demo.HOSPITALITY][0].email
SYSTEM = audit.AuditContext(
    actor_type=ActorType.SYSTEM, actor_id=None, ip_address=None, request_id=None
)


def seed_demo_content(
    database: Database,
    storage: ObjectStorage,
    settings: Settings,
    clock: Callable[[], datetime],
) -> bool:
    """Create the demo content if it is missing; True when it was created now."""
    with database.sessions() as session:
        tenant_id = session.scalars(select(Tenant.id).where(Tenant.name == demo.HOSPITALITY)).one()
        if session.scalar(select(Playlist.id).where(Playlist.name == HOUSE_PLAYLIST)):
            return False
    scope = LibraryScope(tenant_id)
    with tempfile.TemporaryDirectory() as scratch:
        clip = promo_clip(Path(scratch) / "quiz-night.mp4", "Quiz night: Thursday")
        media = [
            (
                "two-for-one.jpg",
                "image/jpeg",
                promo_card("2 for 1 burgers", "Mon-Thu", (200, 80, 20)),
            ),
            (
                "sunday-roast.jpg",
                "image/jpeg",
                promo_card("Sunday roast", "From noon", (40, 110, 60)),
            ),
            (
                "cocktails.jpg",
                "image/jpeg",
                promo_card("Cocktails £6", "5-7pm weekdays", (30, 60, 150)),
            ),
            ("quiz-night.mp4", "video/mp4", clip.read_bytes()),
        ]
        assets = [_ingested(database, storage, settings, clock, scope, *m) for m in media]
    _playlists_and_schedule(database, tenant_id, assets, clock())
    return True


def _ingested(
    database: Database,
    storage: ObjectStorage,
    settings: Settings,
    clock: Callable[[], datetime],
    scope: LibraryScope,
    file_name: str,
    content_type: str,
    data: bytes,
) -> uuid.UUID:
    """Upload through the upload-session flow (§13) and ingest as the pipeline's op does."""
    request = uploads.UploadRequest(
        file_name, content_type, len(data), hashlib.sha256(data).hexdigest()
    )
    with database.unit_of_work() as session:
        admin = _admin_id(session, scope.tenant_id)
        started = uploads.start_upload(
            session,
            storage,
            scope,
            request,
            max_bytes=settings.max_upload_bytes,
            user_id=admin,
            now=clock(),
            who=SYSTEM,
        )
        storage.put_bytes(started.upload.storage_key, data, content_type)
        asset = uploads.complete_upload(
            session, storage, scope, started.upload.id, now=clock(), who=SYSTEM
        )
        asset_id = asset.id
    ingest_asset(
        database, storage, asset_id, limits=MediaLimits.from_settings(settings), clock=clock
    )
    return asset_id


def _playlists_and_schedule(
    database: Database, tenant_id: uuid.UUID, assets: list[uuid.UUID], now: datetime
) -> None:
    shared = LibraryScope(tenant_id)
    with database.unit_of_work() as session:
        admin = _admin_id(session, tenant_id)
        house = publish_new_playlist(session, shared, HOUSE_PLAYLIST, assets, admin, now)
        happy_items = [assets[2], assets[3]]
        happy = publish_new_playlist(session, shared, HAPPY_HOUR_PLAYLIST, happy_items, admin, now)
        venues = {
            v.name: v for v in session.scalars(select(Venue).where(Venue.tenant_id == tenant_id))
        }
        for venue in venues.values():
            venue.fallback_playlist_id = house  # §31.5: what plays when nothing is scheduled
            bump_venue_epoch(session, venue.id, now)
        pub = venues[demo.FORTESCUE]
        group = DeviceGroup(tenant_id=tenant_id, venue_id=pub.id, name=BAR_GROUP)
        session.add(group)
        session.flush()
        slot = schedule_sets.SlotInput(
            target_type=SlotTargetType.GROUP,
            target_id=group.id,
            playlist_id=happy,
            days_of_week_mask=WEEKDAYS,
            start_minutes=17 * 60,
            end_minutes=19 * 60,
            priority=10,
        )
        publish_slot(session, pub, slot, admin, now)


def publish_new_playlist(
    session: Session,
    scope: LibraryScope,
    name: str,
    asset_ids: list[uuid.UUID],
    user_id: uuid.UUID,
    now: datetime,
    *,
    seconds: int = 8,
    who: audit.AuditContext = SYSTEM,
) -> uuid.UUID:
    """A playlist of `asset_ids` (images shown `seconds` each), published at once, by the
    same steps an editor takes (seeding the demo, benchmarks)."""
    playlist = drafts.create_playlist(session, scope, name, user_id=user_id, now=now, who=who)
    items = [drafts.ItemInput(asset_id, duration_seconds=seconds) for asset_id in asset_ids]
    etag = drafts.playlist_etag(playlist)
    drafts.replace_items(session, scope, playlist.id, items, if_match=etag, now=now, who=who)
    etag = drafts.playlist_etag(playlist)
    publishing.publish_playlist(
        session, scope, playlist.id, if_match=etag, user_id=user_id, now=now, who=who
    )
    return playlist.id


def publish_slot(
    session: Session,
    venue: Venue,
    slot: schedule_sets.SlotInput,
    user_id: uuid.UUID,
    now: datetime,
    *,
    who: audit.AuditContext = SYSTEM,
) -> None:
    """Add `slot` to the venue's draft schedule and publish it."""
    etag = schedule_sets.schedule_etag(schedule_sets.schedule_set(session, venue))
    schedule, _ = schedule_sets.add_slot(session, venue, slot, if_match=etag, now=now, who=who)
    etag = schedule_sets.schedule_etag(schedule)
    schedule_sets.publish_schedule(session, venue, if_match=etag, user_id=user_id, now=now, who=who)


def _admin_id(session: Session, tenant_id: uuid.UUID) -> uuid.UUID:
    return session.scalars(
        select(User.id).where(User.tenant_id == tenant_id, User.email == DEMO_ADMIN_EMAIL)
    ).one()
