"""The pairing screen (§8, §28.10): the code to type and a QR code for the manager app."""

from __future__ import annotations

from pathlib import Path

import qrcode

from player.canvas import render_slide


def render_pairing_screen(path: Path, pairing_code: str | None, qr_payload: str | None) -> Path:
    """Draw the pairing slide; without a code yet it says the player is connecting."""
    if pairing_code is None or qr_payload is None:
        return render_slide(path, "Setting up this screen", ["Connecting to the server..."])
    qr = qrcode.QRCode(border=2, box_size=10)
    qr.add_data(qr_payload)
    qr.make(fit=True)
    picture = qr.make_image(fill_color="black", back_color="white").get_image()
    lines = ["Pair this screen in the manager app", f"Code: {pairing_code}"]
    return render_slide(path, "Pair this screen", lines, picture)
