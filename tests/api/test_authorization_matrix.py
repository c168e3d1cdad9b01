"""The authorization matrix (§25.4-25.6), generated from the app's route table.

Every route must have a policy here: a new route without one fails `test_every_route_has_a_policy`,
so each issue that adds routes extends this file. Each route is then called by every actor
(anonymous, a device token, each demo role) against its own venue, another venue of its tenant,
and another tenant, and the status is checked against what the policy allows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.app import create_app
from signage.config import Environment, Settings
from signage.db.engine import Database
from signage.db.models import (
    Alert,
    Asset,
    AuditEntry,
    Device,
    DeviceCommand,
    DeviceGroup,
    NotificationChannel,
    Playlist,
    ScheduleSlot,
    UploadSession,
    Venue,
    VenueOverride,
)
from signage.devices import tokens as device_tokens
from signage.enums import (
    AlertType,
    AssetStatus,
    AssetType,
    ChannelType,
    CommandType,
    ContentScope,
    EventSeverity,
    OverrideTargetType,
    SlotTargetType,
    VenueRole,
)
from tests.support.clock import FakeClock
from tests.support.demo import Demo, bearer, login
from tests.support.devices import heartbeat_answer, poll_status, start_pairing
from tests.support.ratelimit import UnlimitedRateLimiter


class Policy(Enum):
    PUBLIC = "anyone, no token"
    AUTHENTICATED = "any signed-in user"
    TENANT_READ = "TENANT_ADMIN or TENANT_VIEWER of the path's tenant"
    TENANT_ADMIN = "TENANT_ADMIN of the path's tenant"
    VENUE_READ = "any role at the venue, or a tenant-wide role"
    VENUE_EDIT = "VENUE_EDITOR or above at the venue, or TENANT_ADMIN"
    VENUE_MANAGE = "VENUE_MANAGER at the venue, or TENANT_ADMIN"
    LIBRARY_READ = "anyone with a role in the tenant"
    LIBRARY_EDIT = "TENANT_ADMIN, or a user with EDIT_SHARED_LIBRARY"
    PLAYER = "a device token only"


ROUTE_POLICIES: dict[tuple[str, str], Policy] = {
    ("GET", "/healthz"): Policy.PUBLIC,
    ("GET", "/readyz"): Policy.PUBLIC,
    ("POST", "/v1/auth/login"): Policy.PUBLIC,
    ("POST", "/v1/auth/refresh"): Policy.PUBLIC,
    ("POST", "/v1/auth/logout"): Policy.PUBLIC,
    ("GET", "/v1/me"): Policy.AUTHENTICATED,
    ("GET", "/v1/me/venues"): Policy.AUTHENTICATED,
    ("POST", "/v1/tenants/{tenantId}/venues"): Policy.TENANT_ADMIN,
    ("GET", "/v1/tenants/{tenantId}/venues"): Policy.TENANT_READ,
    ("GET", "/v1/tenants/{tenantId}/venues/{venueId}"): Policy.TENANT_READ,
    ("PUT", "/v1/tenants/{tenantId}/venues/{venueId}"): Policy.TENANT_ADMIN,
    ("POST", "/v1/tenants/{tenantId}/users"): Policy.TENANT_ADMIN,
    ("GET", "/v1/tenants/{tenantId}/users"): Policy.TENANT_ADMIN,
    ("GET", "/v1/tenants/{tenantId}/users/{userId}"): Policy.TENANT_ADMIN,
    ("PATCH", "/v1/tenants/{tenantId}/users/{userId}"): Policy.TENANT_ADMIN,
    ("PUT", "/v1/tenants/{tenantId}/users/{userId}/venue-roles"): Policy.TENANT_ADMIN,
    ("GET", "/v1/tenants/{tenantId}/audit"): Policy.TENANT_ADMIN,
    ("POST", "/v1/devices/pairing/start"): Policy.PUBLIC,
    ("GET", "/v1/devices/pairing/status"): Policy.PUBLIC,
    ("POST", "/v1/venues/{venueId}/devices/pairing/claim"): Policy.VENUE_MANAGE,
    ("GET", "/v1/venues/{venueId}/devices"): Policy.VENUE_READ,
    ("GET", "/v1/venues/{venueId}/devices/{deviceId}"): Policy.VENUE_READ,
    ("PATCH", "/v1/venues/{venueId}/devices/{deviceId}"): Policy.VENUE_MANAGE,
    ("DELETE", "/v1/venues/{venueId}/devices/{deviceId}"): Policy.VENUE_MANAGE,
    ("POST", "/v1/venues/{venueId}/devices/{deviceId}/move"): Policy.TENANT_ADMIN,
    ("GET", "/v1/venues/{venueId}/groups"): Policy.VENUE_READ,
    ("POST", "/v1/venues/{venueId}/groups"): Policy.VENUE_MANAGE,
    ("GET", "/v1/venues/{venueId}/groups/{groupId}"): Policy.VENUE_READ,
    ("PUT", "/v1/venues/{venueId}/groups/{groupId}"): Policy.VENUE_MANAGE,
    ("DELETE", "/v1/venues/{venueId}/groups/{groupId}"): Policy.VENUE_MANAGE,
    ("POST", "/v1/venues/{venueId}/devices/{deviceId}/commands"): Policy.VENUE_MANAGE,
    ("GET", "/v1/venues/{venueId}/devices/{deviceId}/commands"): Policy.VENUE_READ,
    ("GET", "/v1/library/assets"): Policy.LIBRARY_READ,
    ("POST", "/v1/library/assets/uploads"): Policy.LIBRARY_EDIT,
    ("POST", "/v1/library/assets/uploads/{uploadId}/complete"): Policy.LIBRARY_EDIT,
    ("GET", "/v1/library/assets/{assetId}"): Policy.LIBRARY_READ,
    ("DELETE", "/v1/library/assets/{assetId}"): Policy.LIBRARY_EDIT,
    # §13.3's unscoped paths: the upload's or asset's own scope decides (issue 15 item 11).
    ("POST", "/v1/assets/uploads/{uploadId}/complete"): Policy.VENUE_EDIT,
    ("GET", "/v1/assets/{assetId}"): Policy.VENUE_READ,
    ("GET", "/v1/venues/{venueId}/assets"): Policy.VENUE_READ,
    ("POST", "/v1/venues/{venueId}/assets/uploads"): Policy.VENUE_EDIT,
    ("POST", "/v1/venues/{venueId}/assets/uploads/{uploadId}/complete"): Policy.VENUE_EDIT,
    ("GET", "/v1/venues/{venueId}/assets/{assetId}"): Policy.VENUE_READ,
    ("DELETE", "/v1/venues/{venueId}/assets/{assetId}"): Policy.VENUE_EDIT,
    ("GET", "/v1/library/playlists"): Policy.LIBRARY_READ,
    ("POST", "/v1/library/playlists"): Policy.LIBRARY_EDIT,
    ("GET", "/v1/library/playlists/{playlistId}"): Policy.LIBRARY_READ,
    ("PATCH", "/v1/library/playlists/{playlistId}"): Policy.LIBRARY_EDIT,
    ("DELETE", "/v1/library/playlists/{playlistId}"): Policy.LIBRARY_EDIT,
    ("PUT", "/v1/library/playlists/{playlistId}/items"): Policy.LIBRARY_EDIT,
    ("PUT", "/v1/library/playlists/{playlistId}/reorder"): Policy.LIBRARY_EDIT,
    ("POST", "/v1/library/playlists/{playlistId}/publish"): Policy.LIBRARY_EDIT,
    ("POST", "/v1/library/playlists/{playlistId}/rollback"): Policy.LIBRARY_EDIT,
    ("GET", "/v1/library/playlists/{playlistId}/versions"): Policy.LIBRARY_READ,
    ("POST", "/v1/library/playlists/{playlistId}/presence"): Policy.LIBRARY_EDIT,
    ("DELETE", "/v1/library/playlists/{playlistId}/presence"): Policy.LIBRARY_EDIT,
    ("GET", "/v1/venues/{venueId}/playlists"): Policy.VENUE_READ,
    ("POST", "/v1/venues/{venueId}/playlists"): Policy.VENUE_EDIT,
    ("GET", "/v1/venues/{venueId}/playlists/{playlistId}"): Policy.VENUE_READ,
    ("PATCH", "/v1/venues/{venueId}/playlists/{playlistId}"): Policy.VENUE_EDIT,
    ("DELETE", "/v1/venues/{venueId}/playlists/{playlistId}"): Policy.VENUE_EDIT,
    ("PUT", "/v1/venues/{venueId}/playlists/{playlistId}/items"): Policy.VENUE_EDIT,
    ("PUT", "/v1/venues/{venueId}/playlists/{playlistId}/reorder"): Policy.VENUE_EDIT,
    ("POST", "/v1/venues/{venueId}/playlists/{playlistId}/publish"): Policy.VENUE_MANAGE,
    ("POST", "/v1/venues/{venueId}/playlists/{playlistId}/rollback"): Policy.VENUE_MANAGE,
    ("GET", "/v1/venues/{venueId}/playlists/{playlistId}/versions"): Policy.VENUE_READ,
    ("POST", "/v1/venues/{venueId}/playlists/{playlistId}/presence"): Policy.VENUE_EDIT,
    ("DELETE", "/v1/venues/{venueId}/playlists/{playlistId}/presence"): Policy.VENUE_EDIT,
    ("GET", "/v1/venues/{venueId}/scheduleset"): Policy.VENUE_READ,
    ("POST", "/v1/venues/{venueId}/scheduleset/slots"): Policy.VENUE_EDIT,
    ("PUT", "/v1/venues/{venueId}/scheduleset/slots/{slotId}"): Policy.VENUE_EDIT,
    ("DELETE", "/v1/venues/{venueId}/scheduleset/slots/{slotId}"): Policy.VENUE_EDIT,
    ("POST", "/v1/venues/{venueId}/scheduleset/publish"): Policy.VENUE_MANAGE,
    ("POST", "/v1/venues/{venueId}/scheduleset/rollback"): Policy.VENUE_MANAGE,
    ("POST", "/v1/venues/{venueId}/scheduleset/presence"): Policy.VENUE_EDIT,
    ("DELETE", "/v1/venues/{venueId}/scheduleset/presence"): Policy.VENUE_EDIT,
    ("GET", "/v1/venues/{venueId}/overrides"): Policy.VENUE_READ,
    ("POST", "/v1/venues/{venueId}/overrides"): Policy.VENUE_MANAGE,
    ("POST", "/v1/venues/{venueId}/overrides/{overrideId}/cancel"): Policy.VENUE_MANAGE,
    ("GET", "/v1/venues/{venueId}/publishes"): Policy.VENUE_READ,
    ("GET", "/v1/venues/{venueId}/timeline"): Policy.VENUE_READ,
    ("GET", "/v1/player/manifest"): Policy.PLAYER,
    ("POST", "/v1/player/heartbeat"): Policy.PLAYER,
    ("POST", "/v1/player/events"): Policy.PLAYER,
    ("GET", "/v1/player/commands"): Policy.PLAYER,
    ("POST", "/v1/player/commands/{commandId}/result"): Policy.PLAYER,
    ("POST", "/v1/player/commands/{commandId}/screenshot-upload"): Policy.PLAYER,
    ("GET", "/v1/venues/{venueId}/alerts"): Policy.VENUE_READ,
    # Tenant-wide reads scoped to the venues the caller may see (empty for none): any user.
    ("GET", "/v1/alerts"): Policy.AUTHENTICATED,
    ("GET", "/v1/ops/dashboard"): Policy.AUTHENTICATED,
    # The alert's own venue decides (issue 17 item 3).
    ("POST", "/v1/alerts/{alertId}/acknowledge"): Policy.VENUE_MANAGE,
    # Trends over the warehouse rollups (issue 17 item 4).
    ("GET", "/v1/venues/{venueId}/uptime"): Policy.VENUE_READ,
    ("GET", "/v1/venues/{venueId}/error-trends"): Policy.VENUE_READ,
    # Notification channels (issue 17 item 2).
    ("GET", "/v1/tenants/{tenantId}/notification-channels"): Policy.TENANT_ADMIN,
    ("POST", "/v1/tenants/{tenantId}/notification-channels"): Policy.TENANT_ADMIN,
    ("GET", "/v1/tenants/{tenantId}/notification-channels/{channelId}"): Policy.TENANT_ADMIN,
    ("PATCH", "/v1/tenants/{tenantId}/notification-channels/{channelId}"): Policy.TENANT_ADMIN,
    ("DELETE", "/v1/tenants/{tenantId}/notification-channels/{channelId}"): Policy.TENANT_ADMIN,
    ("POST", "/v1/tenants/{tenantId}/notification-channels/{channelId}/test"): Policy.TENANT_ADMIN,
    (
        "GET",
        "/v1/tenants/{tenantId}/notification-channels/{channelId}/deliveries",
    ): Policy.TENANT_ADMIN,
}

VENUE_POLICY_ROLE = {
    Policy.VENUE_READ: VenueRole.VENUE_VIEWER,
    Policy.VENUE_EDIT: VenueRole.VENUE_EDITOR,
    Policy.VENUE_MANAGE: VenueRole.VENUE_MANAGER,
}
# The venue role each demo user holds at OWN_VENUE (and nowhere else).
DEMO_VENUE_ROLE = {
    "manager": VenueRole.VENUE_MANAGER,
    "editor": VenueRole.VENUE_EDITOR,
    "viewer": VenueRole.VENUE_VIEWER,
}

# admin last: its allowed DELETEs would otherwise remove what later actors are checked against.
USER_ROLES = ("manager", "editor", "viewer", "tviewer", "admin")
ACTORS = ("anonymous", "device", *USER_ROLES)


class Target(Enum):
    OWN_VENUE = "the venue where manager/editor/viewer hold their roles"
    OTHER_VENUE = "another venue of the same tenant"
    OTHER_TENANT = "a venue of another tenant"


DENIED = {401, 403, 404, 429}


HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def app_routes() -> list[tuple[str, str]]:
    """Every route the app serves, read from its OpenAPI document (the public contract)."""
    settings = Settings(environment=Environment.TEST, jwt_secret=SecretStr("k" * 40))
    app = create_app(settings, database=Database.connect("postgresql+psycopg://x@localhost/x"))
    paths = app.openapi()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in HTTP_METHODS
    )


ROUTES = app_routes()


def test_every_route_has_a_policy() -> None:
    missing = [r for r in ROUTES if r not in ROUTE_POLICIES]
    stale = [r for r in ROUTE_POLICIES if r not in ROUTES]
    assert not missing, f"add these routes to ROUTE_POLICIES: {missing}"
    assert not stale, f"these routes no longer exist: {stale}"


def expected_status(policy: Policy, actor: str, target: Target) -> int | None:
    """The denial an actor gets, or None when the route must let it through."""
    if policy is Policy.PUBLIC:
        return None
    if policy is Policy.PLAYER:
        return None if actor == "device" else 401
    if actor in ("anonymous", "device"):
        return 401  # device tokens never authenticate management routes (§25.5)
    if policy is Policy.AUTHENTICATED:
        return None
    if policy is Policy.LIBRARY_EDIT and actor != "admin":
        # Decided on the caller's own rights before any lookup, so it reveals nothing about
        # the other tenant's asset (no demo user holds EDIT_SHARED_LIBRARY).
        return 403
    if target is Target.OTHER_TENANT:
        return 404  # §25.6: hidden, not forbidden
    if policy in VENUE_POLICY_ROLE:
        return _venue_denial(VENUE_POLICY_ROLE[policy], actor, target)
    if policy in (Policy.LIBRARY_READ, Policy.LIBRARY_EDIT):
        return None
    allowed = {"admin"} if policy is Policy.TENANT_ADMIN else {"admin", "tviewer"}
    return None if actor in allowed else 403


def _venue_denial(needed: VenueRole, actor: str, target: Target) -> int | None:
    if actor == "admin":
        return None
    if actor == "tviewer":
        return None if needed is VenueRole.VENUE_VIEWER else 403
    held = DEMO_VENUE_ROLE[actor] if target is Target.OWN_VENUE else None
    if held is None:
        return 404  # a venue the user holds no role at is hidden
    return None if held.rank >= needed.rank else 403


@dataclass
class Harness:
    client: TestClient
    demo: Demo
    headers: Callable[[str], dict[str, str]]
    fixtures: dict[Target, dict[str, uuid.UUID]]
    command_id: uuid.UUID


@pytest.fixture
def harness(database: Database, settings: Settings, clock: FakeClock, demo: Demo) -> Harness:
    app = create_app(settings, database=database, clock=clock)
    app.state.context.rate_limiter = UnlimitedRateLimiter()
    client = TestClient(app, raise_server_exceptions=False, client=("203.0.113.20", 1))
    venues = {
        Target.OWN_VENUE: demo.fortescue_id,
        Target.OTHER_VENUE: demo.badger_id,
        Target.OTHER_TENANT: demo.other_venue_id,
    }
    with database.unit_of_work() as session:
        fixtures = {
            target: _venue_fixtures(session, venue_id) for target, venue_id in venues.items()
        }
        own_device = session.get_one(Device, fixtures[Target.OWN_VENUE]["deviceId"])
        device_token = device_tokens.issue_for(
            session, app.state.context.tokens, own_device, clock.now
        ).token
        command = DeviceCommand(
            tenant_id=own_device.tenant_id,
            venue_id=own_device.venue_id,
            device_id=own_device.id,
            type=CommandType.REQUEST_MANIFEST_REFRESH,
            expires_at=clock.now + timedelta(hours=1),
        )
        session.add(command)
        session.flush()
        command_id = command.id
    tokens: dict[str, str] = {"device": device_token}

    def headers(actor: str) -> dict[str, str]:
        if actor == "anonymous":
            return {}
        if actor not in tokens:
            tokens[actor] = str(login(client, actor)["accessToken"])
        return bearer(tokens[actor])

    return Harness(client, demo, headers, fixtures, command_id)


def _venue_fixtures(session: Session, venue_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """A device, a group, a venue asset and an open upload in the venue, and a shared asset and
    upload of its tenant, for the {deviceId}, {groupId}, {assetId} and {uploadId} of paths."""
    venue = session.get_one(Venue, venue_id)
    venue_asset, venue_upload = _asset_with_upload(session, venue.tenant_id, venue.id)
    shared_asset, shared_upload = _asset_with_upload(session, venue.tenant_id, None)
    group = DeviceGroup(tenant_id=venue.tenant_id, venue_id=venue.id, name="Bar")
    session.add(group)
    session.flush()
    device = Device(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        name="Screen",
        primary_group_id=group.id,
        hardware_id=f"hw-{venue.id}",  # public: in QR payloads and device views
    )
    session.add(device)
    session.flush()
    alert = Alert(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        device_id=device.id,
        type=AlertType.DEVICE_OFFLINE,
        severity=EventSeverity.ERROR,
        dedup_key=f"DEVICE_OFFLINE:{device.id}",
    )
    channel = NotificationChannel(
        tenant_id=venue.tenant_id,
        type=ChannelType.EMAIL,
        name="Ops",
        min_severity=EventSeverity.WARNING,
        recipients=["ops@example.com"],
    )
    session.add_all([alert, channel])
    session.flush()
    return {
        "alertId": alert.id,
        "channelId": channel.id,
        **_scheduling_fixtures(session, venue, group.id),
        "venueId": venue.id,
        "deviceId": device.id,
        "groupId": group.id,
        "assetId": venue_asset,
        "uploadId": venue_upload,
        "libraryAssetId": shared_asset,
        "libraryUploadId": shared_upload,
    }


def _scheduling_fixtures(
    session: Session, venue: Venue, group_id: uuid.UUID
) -> dict[str, uuid.UUID]:
    """A venue playlist, a shared playlist, a draft slot and an override, for {playlistId},
    {slotId} and {overrideId}."""
    venue_playlist = Playlist(
        tenant_id=venue.tenant_id,
        scope_type=ContentScope.VENUE,
        scope_venue_id=venue.id,
        name="Venue list",
    )
    shared_playlist = Playlist(
        tenant_id=venue.tenant_id, scope_type=ContentScope.TENANT, name="Shared list"
    )
    session.add_all([venue_playlist, shared_playlist])
    session.flush()
    slot = ScheduleSlot(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        target_type=SlotTargetType.GROUP,
        target_id=group_id,
        playlist_id=venue_playlist.id,
        days_of_week_mask=127,
        start_minutes=0,
        end_minutes=0,
    )
    override = VenueOverride(
        tenant_id=venue.tenant_id,
        venue_id=venue.id,
        target_type=OverrideTargetType.VENUE,
        target_id=venue.id,
        playlist_id=venue_playlist.id,
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add_all([slot, override])
    session.flush()
    return {
        "playlistId": venue_playlist.id,
        "libraryPlaylistId": shared_playlist.id,
        "slotId": slot.id,
        "overrideId": override.id,
    }


def _asset_with_upload(
    session: Session, tenant_id: uuid.UUID, venue_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID]:
    scope = ContentScope.VENUE if venue_id else ContentScope.TENANT
    asset = Asset(
        tenant_id=tenant_id,
        scope_type=scope,
        scope_venue_id=venue_id,
        type=AssetType.IMAGE,
        status=AssetStatus.UPLOADING,
        display_name="a.jpg",
        original_file_name="a.jpg",
        content_type="image/jpeg",
        file_size_bytes=10,
        storage_key=f"{tenant_id}/x/a.jpg",
    )
    session.add(asset)
    session.flush()
    upload = UploadSession(
        tenant_id=tenant_id,
        asset_id=asset.id,
        scope_venue_id=venue_id,
        storage_key=asset.storage_key,
        file_name="a.jpg",
        content_type="image/jpeg",
        file_size_bytes=10,
        checksum_sha256="0" * 64,
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )
    session.add(upload)
    session.flush()
    return asset.id, upload.id


def path_for(template: str, harness: Harness, target: Target) -> str:
    demo = harness.demo
    other_tenant = target is Target.OTHER_TENANT
    fixtures = dict(harness.fixtures[target])
    if template.startswith("/v1/library/"):
        fixtures["assetId"] = fixtures["libraryAssetId"]
        fixtures["uploadId"] = fixtures["libraryUploadId"]
        fixtures["playlistId"] = fixtures["libraryPlaylistId"]
    values = {
        **fixtures,
        "tenantId": demo.other_tenant_id if other_tenant else demo.tenant_id,
        "userId": demo.user_ids["other_admin" if other_tenant else "viewer"],
        "commandId": harness.command_id,
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the matrix has no value for {{{name}}}: extend path_for"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", fill, template)


def targets_of(path: str) -> list[Target]:
    if (
        "{tenantId}" in path
        or "{venueId}" in path
        or path.startswith(("/v1/assets/", "/v1/alerts/"))
    ):
        return list(Target)  # /v1/assets/..., /v1/alerts/...: the target venue's own ones
    if path.startswith("/v1/library/") and "{" in path:
        return [Target.OWN_VENUE, Target.OTHER_TENANT]  # the tenant's own vs another's asset
    return [Target.OWN_VENUE]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_answers_each_actor_as_its_policy_says(
    harness: Harness, method: str, path: str
) -> None:
    policy = ROUTE_POLICIES[(method, path)]
    failures = []
    for target in targets_of(path):
        url = path_for(path, harness, target)
        gone = False  # an allowed DELETE succeeded: later allowed actors find nothing (404)
        for actor in ACTORS:
            body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
            response = harness.client.request(
                method, url, headers=harness.headers(actor), json=body
            )
            denial = expected_status(policy, actor, target)
            status = response.status_code
            if denial is None:
                ok = status not in DENIED or (gone and status == 404)
                gone = gone or (method == "DELETE" and status < 300)
            else:
                ok = status == denial
            if not ok:
                failures.append(
                    f"{actor} on {target.name}: got {status}, expected {denial or 'allowed'}"
                )
    assert not failures, "\n".join(failures)


# -- the screen hijack (issue 13 item 1) --------------------------------------------------------
# Pairing start is public and the hardware id is not a secret, so anyone can show a code that
# carries a victim screen's hardware id. Claiming it may reuse or remove the victim's device
# only where the claimer could have managed that device anyway.

# Who claims, into which target's venue (one they manage).
CLAIMERS = {
    "manager": Target.OWN_VENUE,
    "admin": Target.OTHER_VENUE,
    "other_admin": Target.OTHER_TENANT,
}
# The admin who answers for each target's victim device.
VICTIM_ADMIN = {
    Target.OWN_VENUE: "admin",
    Target.OTHER_VENUE: "admin",
    Target.OTHER_TENANT: "other_admin",
}


def may_take_over(claimer: str, victim: Target) -> bool:
    """The device's own managers: same tenant, and MANAGE at the victim's venue."""
    if claimer == "other_admin":
        return victim is Target.OTHER_TENANT
    if victim is Target.OTHER_TENANT:
        return False
    return claimer == "admin" or victim is Target.OWN_VENUE


@pytest.mark.parametrize("victim", list(Target), ids=lambda t: f"victim-{t.name}")
@pytest.mark.parametrize("claimer", list(CLAIMERS))
def test_a_hardware_id_reaches_only_devices_the_claimer_manages(
    harness: Harness, database: Database, clock: FakeClock, claimer: str, victim: Target
) -> None:
    client, fixtures = harness.client, harness.fixtures
    victim_id = fixtures[victim]["deviceId"]
    with database.unit_of_work() as session:
        device = session.get_one(Device, victim_id)
        policy = client.app.state.context.tokens  # type: ignore[attr-defined]
        victim_token = device_tokens.issue_for(session, policy, device, clock.now).token
        victim_tenant = device.tenant_id
    victim_headers = bearer(victim_token)

    started = start_pairing(client, f"hw-{fixtures[victim]['venueId']}")
    assert heartbeat_answer(client, victim_headers) == 204  # a started pairing changes nothing
    claim_venue = fixtures[CLAIMERS[claimer]]["venueId"]
    claimed = client.post(
        f"/v1/venues/{claim_venue}/devices/pairing/claim",
        json={"pairingCode": started["pairingCode"], "name": "Claimed"},
        headers=harness.headers(claimer),
    )
    assert claimed.status_code == 201, claimed.text
    collected = poll_status(client, started)
    assert collected["status"] == "COMPLETED"

    victim_url = f"/v1/venues/{fixtures[victim]['venueId']}/devices/{victim_id}"
    seen = client.get(victim_url, headers=harness.headers(VICTIM_ADMIN[victim]))
    same_venue = CLAIMERS[claimer] is victim
    if not may_take_over(claimer, victim):
        assert (seen.status_code, heartbeat_answer(client, victim_headers)) == (200, 204)
        assert collected["deviceId"] != str(victim_id)
        assert _removals(database, victim_id) == []
    elif same_venue:  # re-paired in place: same device, the old token is gone
        assert (seen.status_code, heartbeat_answer(client, victim_headers)) == (200, 401)
        assert collected["deviceId"] == str(victim_id)
    else:  # moved: removed, audited in the tenant that owned it
        assert (seen.status_code, heartbeat_answer(client, victim_headers)) == (404, 401)
        [removal] = _removals(database, victim_id)
        assert removal.tenant_id == victim_tenant


def _removals(database: Database, device_id: uuid.UUID) -> list[AuditEntry]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "DEVICE_REMOVED", AuditEntry.target_id == str(device_id)
                )
            )
        )


# -- §27.1 "Response headers on all requests" (issue 15 item 13) --------------------------------
RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def test_every_answer_carries_the_rate_limit_headers(harness: Harness) -> None:
    """Allowed, refused (401, 403, 404) and malformed (422) answers alike, on every route. One
    world for all routes (a fresh one per route cost minutes); deletions go last so the routes
    before them still find what they act on."""
    missing = []
    for method, path in sorted(ROUTES, key=lambda route: route[0] == "DELETE"):
        url = path_for(path, harness, Target.OWN_VENUE)
        for actor in ("anonymous", "device", "viewer", "admin"):
            body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
            response = harness.client.request(
                method, url, headers=harness.headers(actor), json=body
            )
            absent = [name for name in RATE_LIMIT_HEADERS if name not in response.headers]
            if absent:
                missing.append(
                    f"{method} {path} as {actor}: {response.status_code} without {absent}"
                )
    assert not missing, "\n".join(missing)
