"""Draw the player's pairing slide as a 1080p TV shows it, for the README (issue 22):
docs/screenshots/player-pairing-1080p.png. Run `make screenshots` after changing the slides; the
PNG is committed. (The tests draw every slide at every size into a temporary directory.)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from player.pairing_screen import render_pairing_screen  # noqa: E402

OUTPUT = ROOT / "docs" / "screenshots" / "player-pairing-1080p.png"
# What `POST /v1/devices/pairing/start` returns on a platform at signage.example.com (§27.7).
CODE = "K7PX-3MQN"
QR_PAYLOAD = f"https://signage.example.com/app/pair?code={CODE}&hw=vlc-0f4c2a"

if __name__ == "__main__":
    render_pairing_screen(OUTPUT, (1920, 1080), (CODE, QR_PAYLOAD), "https://signage.example.com")
    print(OUTPUT.relative_to(ROOT))
