"""The reference player's adapter: `python -m player --headless` as a child process (libVLC's
dummy outputs), its state read from the `state.json` it writes in its data directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from conformance.adapter import PlayerState

STOP_WAIT_SECONDS = 15


def screen_of(state: dict[str, object]) -> str:
    """What the viewer sees, from state.json: content while an item is on screen."""
    lifecycle = state.get("state")
    if lifecycle == "PLAYING" and state.get("current_asset_id"):
        return "CONTENT"
    if lifecycle == "UNREGISTERED":
        return "PAIRING"
    if lifecycle == "ERROR_SCREEN":
        return "ERROR"
    return "BLANK"


class VlcPlayerAdapter:
    name = "vlc"

    def __init__(self, data_dir: Path | None = None) -> None:
        self._scratch = None if data_dir else tempfile.TemporaryDirectory(prefix="conformance-vlc-")
        self.data_dir = data_dir or Path(self._scratch.name)  # type: ignore[union-attr]
        self._process: subprocess.Popen[bytes] | None = None
        self._url = ""
        self._log = self.data_dir / "player.log"

    def start(self, url: str) -> None:
        self._url = url
        command = [sys.executable, "-m", "player", "--headless", "--data-dir", str(self.data_dir),
                   "--api-url", url]  # fmt: skip
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ}
            )

    def restart(self) -> None:
        self._terminate()
        self.start(self._url)

    def state(self) -> PlayerState:
        try:
            raw = json.loads((self.data_dir / "state.json").read_text())
        except (FileNotFoundError, ValueError):
            return PlayerState(state="BOOT", screen="BLANK")
        if self._process is not None and self._process.poll() is not None:
            return PlayerState(state="STOPPED", screen="BLANK", raw=raw)
        return PlayerState(
            state=raw.get("state", "BOOT"),
            screen=screen_of(raw),
            pairing_code=raw.get("pairing_code"),
            manifest_etag=raw.get("manifest_etag"),
            current_asset_id=raw.get("current_asset_id"),
            raw=raw,
        )

    def _terminate(self) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def stop(self) -> None:
        self._terminate()
        if self._scratch is not None:
            self._scratch.cleanup()
