"""The player's own copy of the wire contract (§27.7, §27.8): parsing and serialising JSON.

The player imports nothing from the server packages (DESIGN.md); these models are checked
against the server only over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

ItemType = Literal["IMAGE", "VIDEO"]
Severity = Literal["INFO", "WARNING", "ERROR"]

_ITEM_TYPES: frozenset[str] = frozenset({"IMAGE", "VIDEO"})


class WireFormatError(ValueError):
    """A JSON document does not match the wire contract."""


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; naive values are rejected because the wire is UTC (§30)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise WireFormatError(f"timestamp without offset: {text!r}")
    return parsed.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """Format an aware datetime the way the wire carries it: `2025-06-15T13:45:12Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    # bool is an int in Python; an integer field must not accept true/false.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise WireFormatError(f"field {name!r} must be {kind}, got {value!r}")
    return value


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireFormatError(f"{what} must be an object")
    return value


@dataclass(frozen=True)
class ManifestItem:
    """One playlist item of §27.8.1; `enabled` is optional on the wire and defaults to true."""

    asset_id: str
    type: ItemType
    url: str
    checksum_sha256: str
    duration_seconds: int
    width_px: int
    height_px: int
    file_size_bytes: int
    enabled: bool = True

    @classmethod
    def from_json(cls, value: object) -> ManifestItem:
        data = _object(value, "playlist item")
        item_type = _field(data, "type", str)
        if item_type not in _ITEM_TYPES:
            raise WireFormatError(f"unknown item type {item_type!r}")
        checksum = _field(data, "checksumSha256", str).lower()
        if len(checksum) != 64 or any(c not in "0123456789abcdef" for c in checksum):
            raise WireFormatError(f"checksumSha256 is not hex SHA-256: {checksum!r}")
        return cls(
            asset_id=_field(data, "assetId", str),
            type=item_type,
            url=_field(data, "url", str),
            checksum_sha256=checksum,
            duration_seconds=_field(data, "durationSeconds", int),
            width_px=_field(data, "widthPx", int),
            height_px=_field(data, "heightPx", int),
            file_size_bytes=_field(data, "fileSizeBytes", int),
            enabled=bool(data.get("enabled", True)),
        )


@dataclass(frozen=True)
class Playlist:
    """The published playlist a manifest carries (§27.8.1)."""

    playlist_id: str
    published_version: int
    items: tuple[ManifestItem, ...]

    @classmethod
    def from_json(cls, value: object) -> Playlist:
        data = _object(value, "playlist")
        items = _field(data, "items", list)
        return cls(
            playlist_id=_field(data, "playlistId", str),
            published_version=_field(data, "publishedVersion", int),
            items=tuple(ManifestItem.from_json(item) for item in items),
        )


@dataclass(frozen=True)
class DeviceSettings:
    """Runtime settings of §27.8.1 / §28.11; orientation changes what this player draws, the
    cache budget (§11.1, None when the server sends none) what it keeps on disk."""

    run_mode: str = "SHARED"
    launch_on_boot: bool = True
    auto_relaunch: bool = False
    keep_awake: bool = True
    watchdog_return_to_foreground: bool = False
    orientation: str = "LANDSCAPE"
    cache_budget_bytes: int | None = None

    @classmethod
    def from_json(cls, value: object) -> DeviceSettings:
        data = _object(value, "settings") if value is not None else {}
        defaults = cls()
        return cls(
            run_mode=str(data.get("runMode", defaults.run_mode)),
            launch_on_boot=bool(data.get("launchOnBoot", defaults.launch_on_boot)),
            auto_relaunch=bool(data.get("autoRelaunch", defaults.auto_relaunch)),
            keep_awake=bool(data.get("keepAwake", defaults.keep_awake)),
            watchdog_return_to_foreground=bool(
                data.get("watchdogReturnToForeground", defaults.watchdog_return_to_foreground)
            ),
            orientation=str(data.get("orientation", defaults.orientation)),
            cache_budget_bytes=_cache_budget(data.get("cacheBudgetBytes")),
        )


def _cache_budget(value: object) -> int | None:
    if value is None:
        return None
    if type(value) is not int or value <= 0:  # bool is an int subclass: refuse it too
        raise WireFormatError("settings.cacheBudgetBytes must be a positive integer")
    return value


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest (§27.8.1); `raw` is the exact body, persisted as-is (§28.2)."""

    manifest_etag: str
    valid_to_utc: datetime
    next_check_seconds: int
    settings: DeviceSettings
    playlist: Playlist | None
    raw: dict[str, Any] = field(compare=False, repr=False)
    # "Bar screen · Fortescue Arms" from the optional `screen` extension, for the own slides
    screen_label: str | None = None

    @classmethod
    def from_json(cls, value: object) -> Manifest:
        """Validate a manifest body; raises WireFormatError on any schema violation (§28.4)."""
        data = _object(value, "manifest")
        try:
            valid_to = parse_utc(_field(data, "validToUtc", str))
        except ValueError as exc:
            raise WireFormatError(str(exc)) from exc
        playlist = data.get("playlist")
        return cls(
            manifest_etag=_field(data, "manifestEtag", str),
            valid_to_utc=valid_to,
            next_check_seconds=_field(data, "nextCheckSeconds", int),
            settings=DeviceSettings.from_json(data.get("settings")),
            playlist=Playlist.from_json(playlist) if playlist is not None else None,
            raw=data,
            screen_label=_screen_label(data.get("screen")),
        )

    @property
    def items(self) -> tuple[ManifestItem, ...]:
        """The playlist's items, or none when the resolver found no playlist."""
        return self.playlist.items if self.playlist is not None else ()

    def asset_ids(self) -> frozenset[str]:
        """Every asset this manifest references (the set §11.2 protects)."""
        return frozenset(item.asset_id for item in self.items)


@dataclass(frozen=True)
class PairingStart:
    """The answer to `POST /v1/devices/pairing/start` (§27.7)."""

    pairing_id: str
    pairing_code: str
    qr_payload: str
    expires_at_utc: datetime
    poll_seconds: int
    pairing_secret: str

    @classmethod
    def from_json(cls, value: object) -> PairingStart:
        data = _object(value, "pairing start")
        return cls(
            pairing_id=_field(data, "pairingId", str),
            pairing_code=_field(data, "pairingCode", str),
            qr_payload=_field(data, "qrPayload", str),
            expires_at_utc=parse_utc(_field(data, "expiresAtUtc", str)),
            poll_seconds=_field(data, "pollSeconds", int),
            pairing_secret=_field(data, "pairingSecret", str),
        )


PairingStatusName = Literal["PENDING", "CLAIMED", "COMPLETED", "EXPIRED"]


@dataclass(frozen=True)
class PairingStatus:
    """The answer to `GET /v1/devices/pairing/status`; the token arrives once, on COMPLETED."""

    status: PairingStatusName
    device_id: str | None
    device_token: str | None = field(repr=False)

    @classmethod
    def from_json(cls, value: object) -> PairingStatus:
        data = _object(value, "pairing status")
        status = _field(data, "status", str)
        if status not in ("PENDING", "CLAIMED", "COMPLETED", "EXPIRED"):
            raise WireFormatError(f"unknown pairing status {status!r}")
        return cls(
            status=status, device_id=data.get("deviceId"), device_token=data.get("deviceToken")
        )


@dataclass(frozen=True)
class Command:
    """One support command of §18 / §28.7 as `GET /v1/player/commands` lists it."""

    command_id: str
    type: str
    parameters: dict[str, Any]
    issued_at_utc: str

    @classmethod
    def from_json(cls, value: object) -> Command:
        data = _object(value, "command")
        parameters = data.get("parameters") or {}
        return cls(
            command_id=_field(data, "commandId", str),
            type=_field(data, "type", str),
            parameters=_object(parameters, "command parameters"),
            issued_at_utc=str(data.get("issuedAtUtc", "")),
        )


@dataclass(frozen=True)
class ScreenshotUpload:
    """The answer to `POST /v1/player/commands/{id}/screenshot-upload` (extension, issue 19
    item 3): where to PUT the JPEG, with headers to send unchanged."""

    upload_url: str
    upload_method: str
    upload_headers: dict[str, str]

    @classmethod
    def from_json(cls, value: object) -> ScreenshotUpload:
        data = _object(value, "screenshot upload")
        headers = _object(data.get("uploadHeaders") or {}, "upload headers")
        return cls(
            upload_url=_field(data, "uploadUrl", str),
            upload_method=str(data.get("uploadMethod") or "PUT"),
            upload_headers={str(k): str(v) for k, v in headers.items()},
        )


@dataclass(frozen=True)
class PlayerEvent:
    """One event of §27.8.3 plus our `eventId` (a UUID) so the server can drop duplicates."""

    event_id: str
    event_type: str
    event_time_utc: datetime
    severity: Severity
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "eventType": self.event_type,
            "eventTimeUtc": format_utc(self.event_time_utc),
            "severity": self.severity,
            "payload": self.payload,
        }


def _screen_label(value: object) -> str | None:
    """The optional `screen` object (an extension of §27.8.1) as one line; a platform that does
    not send it, or sends something unexpected, just leaves the slides without the line."""
    if not isinstance(value, dict):
        return None
    names = [value.get("deviceName"), value.get("venueName")]
    shown = [name.strip() for name in names if isinstance(name, str) and name.strip()]
    return " · ".join(shown) or None
