"""What the pages say instead of codes (issue 19 item 10): a screen's state, and who may do
what a refused request tried."""

from __future__ import annotations

from dataclasses import dataclass

from api.schemas.devices import DeviceStatusOut
from signage.enums import PlayerState

PLAYER_STATE_WORDS = {
    PlayerState.PLAYING.value: "Playing",
    PlayerState.ERROR_SCREEN.value: "Showing an error",
    PlayerState.PAIRING.value: "Waiting to be paired",
    PlayerState.BOOTING.value: "Starting up",
}
STARTING = "Starting up: fetching its content"


@dataclass(frozen=True)
class ScreenState:
    words: str
    tone: str  # "ok", "off" (red: needs attention) or "quiet"


def state_words(code: str | None) -> str:
    """A heartbeat `state` as people say it: ERROR_SCREEN is "Showing an error"."""
    if not code:
        return "No report yet"
    return PLAYER_STATE_WORDS.get(code, code.replace("_", " ").capitalize())


def screen_state(status: DeviceStatusOut) -> ScreenState:
    """The latest report in words. A player that has no manifest yet shows its "Connecting"
    slide, reported as ERROR_SCREEN (§28.4): that is its start-up, not an error to act on."""
    state = status.state
    if state is None:
        return ScreenState("No report yet", "quiet")
    if state is PlayerState.ERROR_SCREEN and status.manifest_etag is None:
        return ScreenState(STARTING, "quiet")
    tone = {PlayerState.PLAYING: "ok", PlayerState.ERROR_SCREEN: "off"}.get(state, "quiet")
    return ScreenState(state_words(state.value), tone)


# Who may do what a refused request tried: "Only venue managers can publish."
ROLE_HOLDERS = {
    "VENUE_MANAGER": "venue managers",
    "VENUE_EDITOR": "venue editors and managers",
    "TENANT_ADMIN": "your organisation's administrators",
    "EDIT_SHARED_LIBRARY": "administrators and people allowed to change the shared library",
}
# The last part of the refused address, as the thing it does.
ACTION_WORDS = {
    "publish": "publish",
    "rollback": "roll back to an earlier version",
    "pair": "pair screens",
    "commands": "send commands to screens",
    "settings": "change a screen's settings",
    "takeovers": "start or stop a takeover",
    "upload": "upload",
    "uploads": "upload",
}


def refusal_words(path: str, needed: str) -> str:
    holders = ROLE_HOLDERS.get(needed, needed.replace("_", " ").lower() + "s")
    parts = [part for part in path.split("/") if part]
    action = next((ACTION_WORDS[part] for part in reversed(parts) if part in ACTION_WORDS), None)
    return f"Only {holders} can {action or 'do this here'}."
