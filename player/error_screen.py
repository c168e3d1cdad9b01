"""The fallback screen (§28.4 ERROR_SCREEN), shown only when nothing cached can play."""

from __future__ import annotations

from pathlib import Path

from player.canvas import render_slide

_MESSAGES = {
    "NO_PLAYABLE_CONTENT": "No content is scheduled or downloaded yet.",
}


def render_error_screen(path: Path, reason: str) -> Path:
    """Draw the error slide for `reason`; the player keeps syncing behind it."""
    message = _MESSAGES.get(reason, reason)
    return render_slide(path, "Nothing to show yet", [message, "This screen will update itself."])
