"""The player's data directory: token, manifests and state, all written atomically (§33.4).

Layout:
    token                  device token, mode 0600, never logged
    currentManifest.json   active manifest (§28.2)
    previousManifest.json  fallback manifest
    stagedManifest.json    candidate update (§28.5)
    state.json             what the player is doing now, for operators and restarts
    commands.json          last processed command id (§28.7)
    boots.json             recent unclean starts, for crash-loop detection (§33.6)
    cache.sqlite, events.sqlite, assets/, downloads/
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from player.wire import Manifest, WireFormatError


class ManifestSlot(StrEnum):
    CURRENT = "currentManifest.json"
    PREVIOUS = "previousManifest.json"
    STAGED = "stagedManifest.json"


@dataclass
class StateSnapshot:
    """The contents of `state.json`; the pairing code is kept only while pairing."""

    state: str = "BOOT"
    pairing_code: str | None = None
    device_id: str | None = None
    playlist_id: str | None = None
    current_asset_id: str | None = None
    current_item_index: int | None = None
    manifest_etag: str | None = None
    last_sync_utc: str | None = None
    safe_mode: bool = False
    # Best-effort host integration outcomes (player.host): keepAwake, relaunch supervisor.
    host: dict[str, str] = field(default_factory=dict)


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` so readers see either the old file or the new one, never a torn one.

    tmp file + fsync + rename + directory fsync: a power cut cannot leave half a manifest.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True).encode()


class DataDir:
    """Typed access to the files of one player's data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.assets_dir = root / "assets"
        self.downloads_dir = root / "downloads"
        for directory in (root, self.assets_dir, self.downloads_dir):
            directory.mkdir(parents=True, exist_ok=True)

    @property
    def cache_db(self) -> Path:
        return self.root / "cache.sqlite"

    @property
    def events_db(self) -> Path:
        return self.root / "events.sqlite"

    # ---- device token (§25.2) --------------------------------------------------------------

    def read_token(self) -> str | None:
        """The stored device token, or None when the device is not paired."""
        try:
            token = (self.root / "token").read_text().strip()
        except FileNotFoundError:
            return None
        return token or None

    def write_token(self, token: str) -> None:
        """Store the device token readable by this user only (0600)."""
        atomic_write(self.root / "token", token.encode(), mode=0o600)

    def clear_token(self) -> None:
        """Forget the token (§28.10: re-pairing required)."""
        with contextlib.suppress(FileNotFoundError):
            (self.root / "token").unlink()

    def hardware_id(self) -> str:
        """A stable id for this box, created on first start (sent when pairing, §27.7)."""
        path = self.root / "hardware_id"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            value = f"vlc-{uuid.uuid4()}"
            atomic_write(path, value.encode())
            return value

    # ---- manifests (§28.2) -----------------------------------------------------------------

    def load_manifest(self, slot: ManifestSlot) -> tuple[Manifest | None, str | None]:
        """Return (manifest, None), (None, None) when absent, or (None, parse error)."""
        path = self.root / slot.value
        try:
            raw = json.loads(path.read_bytes())
            return Manifest.from_json(raw), None
        except FileNotFoundError:
            return None, None
        except (ValueError, WireFormatError) as exc:
            return None, str(exc)[:200]

    def save_manifest(self, slot: ManifestSlot, manifest: Manifest | None) -> None:
        """Persist a manifest's exact body atomically; None removes the slot."""
        path = self.root / slot.value
        if manifest is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return
        atomic_write(path, _json_bytes(manifest.raw))

    def quarantine(self, slot: ManifestSlot) -> None:
        """Move a corrupt manifest aside so it is reported once, not at every boot."""
        path = self.root / slot.value
        with contextlib.suppress(FileNotFoundError):
            os.replace(path, path.with_suffix(".corrupt"))

    # ---- small JSON documents ---------------------------------------------------------------

    def write_state(self, snapshot: StateSnapshot) -> None:
        """Keep `state.json` current (atomically: readers never see a torn file)."""
        atomic_write(self.root / "state.json", _json_bytes(asdict(snapshot)))

    def read_state(self) -> StateSnapshot | None:
        data = self._read_json("state.json")
        if not isinstance(data, dict):
            return None
        known = StateSnapshot.__dataclass_fields__
        return StateSnapshot(**{k: v for k, v in data.items() if k in known})

    def read_last_command_id(self) -> str | None:
        data = self._read_json("commands.json")
        return data.get("lastCommandId") if isinstance(data, dict) else None

    def write_last_command_id(self, command_id: str) -> None:
        atomic_write(self.root / "commands.json", _json_bytes({"lastCommandId": command_id}))

    def read_boots(self) -> list[float]:
        data = self._read_json("boots.json")
        return [float(x) for x in data] if isinstance(data, list) else []

    def write_boots(self, boots: list[float]) -> None:
        atomic_write(self.root / "boots.json", _json_bytes(boots))

    def _read_json(self, name: str) -> Any:
        try:
            return json.loads((self.root / name).read_bytes())
        except (FileNotFoundError, ValueError):
            return None
