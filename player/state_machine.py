"""The player's lifecycle as a pure state machine (§28.3, §28.4, §28.12).

`transition(state, event)` returns the next state and the effects the shell must carry out;
it does no I/O, so every path is testable without a screen or a network. Sync, download and
apply (§28.3 states 5-9) run in the background while PLAYING and live in their own modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from player.wire import Severity


class PlayerState(StrEnum):
    BOOT = "BOOT"
    LOAD_LOCAL = "LOAD_LOCAL"
    PLAYABLE_CHECK = "PLAYABLE_CHECK"
    PLAYING = "PLAYING"
    ERROR_SCREEN = "ERROR_SCREEN"
    UNREGISTERED = "UNREGISTERED"  # §28.10: the pairing screen is shown


class ManifestSource(StrEnum):
    CURRENT = "CURRENT"
    PREVIOUS = "PREVIOUS"
    NONE = "NONE"


# ---- events the shell feeds in -------------------------------------------------------------


@dataclass(frozen=True)
class InitComplete:
    has_token: bool
    app_info: dict[str, str] = field(default_factory=dict)  # APP_STARTED payload (§27.8.3)


@dataclass(frozen=True)
class LocalLoaded:
    corrupt_files: tuple[tuple[str, str], ...] = ()  # (fileName, parseError)


@dataclass(frozen=True)
class PlayableChecked:
    source: ManifestSource
    current_etag: str | None = None
    previous_etag: str | None = None
    reason: str | None = None  # why the previous manifest was chosen, e.g. CRASH_LOOP (§33.6)


@dataclass(frozen=True)
class ContentChanged:
    """A manifest was applied or an asset finished downloading."""


@dataclass(frozen=True)
class RestartRotation:
    """Start the rotation over: a manifest was applied, or a command asked for it (§28.7)."""


@dataclass(frozen=True)
class PlaybackImpossible:
    reason: str


@dataclass(frozen=True)
class TokenInvalid:
    http_status: int = 401


@dataclass(frozen=True)
class Paired:
    """Pairing completed and the device token is stored."""


Event = (
    InitComplete
    | LocalLoaded
    | PlayableChecked
    | ContentChanged
    | RestartRotation
    | PlaybackImpossible
    | TokenInvalid
    | Paired
)

# ---- effects the shell carries out ---------------------------------------------------------


@dataclass(frozen=True)
class Emit:
    """Queue a telemetry event of §27.8.3."""

    event_type: str
    severity: Severity
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadLocal:
    pass


@dataclass(frozen=True)
class CheckPlayable:
    pass


@dataclass(frozen=True)
class StartPlayback:
    source: ManifestSource


@dataclass(frozen=True)
class ShowErrorScreen:
    reason: str


@dataclass(frozen=True)
class ShowPairingScreen:
    pass


@dataclass(frozen=True)
class ClearToken:
    pass


Effect = (
    Emit
    | LoadLocal
    | CheckPlayable
    | StartPlayback
    | ShowErrorScreen
    | ShowPairingScreen
    | ClearToken
)

Transition = tuple[PlayerState, tuple[Effect, ...]]


def heartbeat_state(state: PlayerState) -> str:
    """Map a lifecycle state onto the heartbeat's `state` enum (§27.8.2)."""
    if state is PlayerState.PLAYING:
        return "PLAYING"
    if state is PlayerState.ERROR_SCREEN:
        return "ERROR_SCREEN"
    if state is PlayerState.UNREGISTERED:
        return "PAIRING"
    return "BOOTING"


def transition(state: PlayerState, event: Event) -> Transition:
    """Return the state after `event` and the effects to perform; unknown pairs are no-ops."""
    if isinstance(event, TokenInvalid):
        # §28.10 / §28.12: from any state, a rejected token sends the device back to pairing.
        return PlayerState.UNREGISTERED, (
            Emit("DEVICE_TOKEN_INVALID", "ERROR", {"httpStatus": event.http_status}),
            ClearToken(),
            ShowPairingScreen(),
        )
    match state, event:
        case PlayerState.BOOT, InitComplete(has_token=has_token, app_info=app_info):
            return _after_init(has_token, app_info)
        case PlayerState.LOAD_LOCAL, LocalLoaded(corrupt_files=corrupt):
            emits = tuple(
                Emit("LOCAL_MANIFEST_CORRUPT", "ERROR", {"fileName": name, "parseError": error})
                for name, error in corrupt
            )
            return PlayerState.PLAYABLE_CHECK, (*emits, CheckPlayable())
        case PlayerState.PLAYABLE_CHECK, PlayableChecked():
            return _after_playable_check(event)
        case PlayerState.ERROR_SCREEN, ContentChanged():
            return PlayerState.PLAYABLE_CHECK, (CheckPlayable(),)
        case PlayerState.PLAYING, PlaybackImpossible():
            return PlayerState.PLAYABLE_CHECK, (CheckPlayable(),)
        case PlayerState.PLAYING | PlayerState.ERROR_SCREEN, RestartRotation():
            return PlayerState.PLAYABLE_CHECK, (CheckPlayable(),)
        case PlayerState.UNREGISTERED, Paired():
            return PlayerState.LOAD_LOCAL, (LoadLocal(),)
    return state, ()


def _after_init(has_token: bool, app_info: dict[str, str]) -> Transition:
    # §28.4 BOOT: APP_STARTED is emitted on every boot; it waits in the queue until paired.
    started = Emit("APP_STARTED", "INFO", dict(app_info))
    if has_token:
        return PlayerState.LOAD_LOCAL, (started, LoadLocal())
    return PlayerState.UNREGISTERED, (started, ShowPairingScreen())


def _after_playable_check(event: PlayableChecked) -> Transition:
    if event.source is ManifestSource.CURRENT:
        return PlayerState.PLAYING, (StartPlayback(ManifestSource.CURRENT),)
    if event.source is ManifestSource.PREVIOUS:
        payload = {"currentEtag": event.current_etag, "fallbackEtag": event.previous_etag}
        if event.reason is not None:
            payload["reason"] = event.reason
        fallback = Emit("FALLBACK_TO_PREVIOUS_MANIFEST", "WARNING", payload)
        return PlayerState.PLAYING, (fallback, StartPlayback(ManifestSource.PREVIOUS))
    # §28.4 ERROR_SCREEN: only when nothing at all is playable.
    reason = "NO_PLAYABLE_CONTENT"
    return PlayerState.ERROR_SCREEN, (
        Emit("NO_PLAYABLE_CONTENT", "ERROR", {"manifestEtag": event.current_etag}),
        Emit("ERROR_SCREEN_ENTERED", "ERROR", {"reason": reason}),
        ShowErrorScreen(reason),
    )
