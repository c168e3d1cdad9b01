"""What the kit needs from a player: the adapter interface a Fire TV team implements for their
APK (docs/webplayer.md "Conformance kit"). No scenario reads a player's internals.

    start(url)   start the player pointed at `url` (the fault proxy in front of the platform);
                 its storage starts empty the first time and is kept by `restart`
    restart()    the screen reboots: the player process/page goes away and comes back with the
                 storage it had (the kit may have taken the network away first)
    state()      a `PlayerState` read from outside: the lifecycle state, what the viewer sees
                 (`screen`: CONTENT, PAIRING, CONNECTING, ERROR or BLANK), the pairing code
                 while pairing, the applied manifest's ETag, the asset on screen and the cached ids
    stop()       stop the player and free everything it holds

An Android adapter reads the same facts over adb (a content provider, a debug broadcast or a
state file the app writes in debug builds) and restarts with `am force-stop` + `am start`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

SHOWING = frozenset({"CONTENT"})


@dataclass(frozen=True)
class PlayerState:
    state: str
    screen: str  # CONTENT, PAIRING, CONNECTING, ERROR, BLANK
    pairing_code: str | None = None
    manifest_etag: str | None = None
    current_asset_id: str | None = None
    cached_asset_ids: frozenset[str] = frozenset()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def showing_content(self) -> bool:
        return self.screen in SHOWING


class PlayerAdapter(Protocol):
    name: str

    def start(self, url: str) -> None: ...

    def restart(self) -> None: ...

    def state(self) -> PlayerState: ...

    def stop(self) -> None: ...
