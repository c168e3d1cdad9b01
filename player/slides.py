"""The player's own slides (issue 22): the pairing screen and the status/error screen.

Drawn at the output's size in the device's orientation (the manifest's setting, else the
configured one), then shown like an image and turned like content.
"""

from __future__ import annotations

from pathlib import Path

from player.clock import Clock
from player.manifests import ManifestSlots
from player.media_backend import MediaBackend
from player.recorder import ScreenKind, ScreenRecorder, record_frame
from player.rotation import Rotation
from player.slide_layout import slide_size
from player.wire import Manifest


class Slides:
    """Draws a slide into the data directory and puts it on screen in place of content."""

    def __init__(
        self,
        screens_dir: Path,
        screen_size: tuple[int, int],
        default_orientation: str,
        api_url: str,
        backend: MediaBackend,
        clock: Clock,
        recorder: ScreenRecorder | None,
        manifests: ManifestSlots,
        rotation: Rotation,
    ) -> None:
        self._screens_dir = screens_dir
        self._screen_size = screen_size
        self._default_orientation = default_orientation
        self._api_url = api_url
        self._backend = backend
        self._clock = clock
        self._recorder = recorder
        self._manifests = manifests
        self._rotation = rotation

    def show_pairing(self, code_and_qr: tuple[str, str] | None) -> None:
        """The pairing code and its QR payload, or "connecting" while there is none yet."""
        # Pillow and qrcode load only when a slide is needed: content frames never wait.
        from player.pairing_screen import render_pairing_screen

        path = self._screens_dir / "pairing.png"
        self._rotation.stop()
        render_pairing_screen(path, self._size(), code_and_qr, self._api_url)
        self._show(path, ScreenKind.PAIRING)

    def show_error(self, reason: str) -> None:
        """A status slide saying why nothing plays, ending with which screen this is."""
        from player.error_screen import render_error_screen

        path = self._screens_dir / "error.png"
        self._rotation.stop()
        render_error_screen(path, self._size(), reason, identity=self._screen_label())
        self._show(path, ScreenKind.ERROR)

    def _show(self, path: Path, kind: ScreenKind) -> None:
        self._backend.set_orientation(self._orientation())  # a portrait slide is turned
        self._backend.show_image(path)
        record_frame(self._recorder, self._clock.monotonic(), kind, None)

    def _size(self) -> tuple[int, int]:
        return slide_size(self._screen_size, self._orientation())

    def _screen_label(self) -> str | None:
        """Which screen this is (name · venue), so staff can tell screens apart on a slide."""
        manifest = self._latest_manifest()
        return manifest.screen_label if manifest else None

    def _orientation(self) -> str:
        """The device's orientation setting from the manifest on screen or last received;
        the configured one before any manifest arrived (an unpaired screen)."""
        manifest = self._latest_manifest()
        return manifest.settings.orientation if manifest else self._default_orientation

    def _latest_manifest(self) -> Manifest | None:
        return self._manifests.latest(self._rotation.playing_source)
