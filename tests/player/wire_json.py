"""The JSON bodies the fake platform serves and records, typed: what a test publishes (a
manifest of §27.8.1), queues (commands of §28.7) and reads back (heartbeats of §27.8.2, events of
§27.8.3, command results). Members whose content depends on a kind (an event's payload, a
command's parameters or result) stay JSON objects."""

from __future__ import annotations

from typing import NotRequired, TypedDict

JsonObject = dict[str, object]


class ItemJson(TypedDict):
    assetId: str
    type: str
    url: str
    checksumSha256: str
    durationSeconds: int
    widthPx: int
    heightPx: int
    fileSizeBytes: int
    enabled: NotRequired[bool]  # true when absent


class PlaylistJson(TypedDict):
    playlistId: str
    publishedVersion: int
    items: list[ItemJson]


class SettingsJson(TypedDict, total=False):
    runMode: str
    orientation: str
    launchOnBoot: bool
    autoRelaunch: bool
    keepAwake: bool
    watchdogReturnToForeground: bool
    cacheBudgetBytes: int


class ScreenJson(TypedDict):
    """The `screen` extension: which screen and venue this is (issue #22)."""

    deviceName: str
    venueName: str


class ManifestJson(TypedDict):
    manifestEtag: str
    validToUtc: str
    nextCheckSeconds: int
    settings: SettingsJson
    playlist: PlaylistJson | None
    screen: NotRequired[ScreenJson]


class CommandJson(TypedDict):
    commandId: str
    type: str
    parameters: NotRequired[JsonObject]


class CommandResultJson(TypedDict):
    status: str  # SUCCEEDED or FAILED
    result: JsonObject | None
    error: str | None


class PlaybackJson(TypedDict):
    playlistId: str | None
    publishedVersion: int | None
    currentAssetId: str | None
    currentItemIndex: int | None
    loopCount: int


class CacheJson(TypedDict):
    totalBytes: int
    usedBytes: int
    assetCount: int
    pendingDownloads: int


class NetworkJson(TypedDict):
    connected: bool
    type: str
    lastSyncAtUtc: str | None


class ErrorsJson(TypedDict):
    playbackFailures: int
    downloadFailures: int
    manifestFetchFailures: int


class HeartbeatJson(TypedDict):
    deviceTime: str
    appVersion: str
    state: str
    manifestEtag: str | None
    playback: PlaybackJson
    cache: CacheJson
    network: NetworkJson
    errors: ErrorsJson


class EventJson(TypedDict):
    eventId: str
    eventType: str
    eventTimeUtc: str
    severity: str
    payload: JsonObject
