"""The fallback screen (§28.4 ERROR_SCREEN), shown only when nothing cached can play."""

from __future__ import annotations

from pathlib import Path

from player.canvas import render_slide
from player.fonts import FontBook, default_fonts
from player.slide_layout import Paragraph, Role, Size, SlideLayout, SlidePart, layout_slide

# reason -> (title, what it means); an unknown reason is shown as it is.
_MESSAGES = {
    "NO_PLAYABLE_CONTENT": ("Nothing to show yet", "No content is scheduled or downloaded yet."),
}


def error_parts(reason: str, identity: str | None = None) -> tuple[SlidePart, ...]:
    """The error slide's texts; `identity` (which screen this is) at the bottom when known."""
    title, message = _MESSAGES.get(reason, ("This screen cannot play right now", reason))
    parts: list[SlidePart] = [
        Paragraph(Role.TITLE, title),
        Paragraph(Role.BODY, message),
        Paragraph(Role.BODY, "This screen will update itself."),
    ]
    if identity:
        parts.append(Paragraph(Role.IDENTITY, identity))
    return tuple(parts)


def render_error_screen(
    path: Path,
    size: Size,
    reason: str,
    identity: str | None = None,
    fonts: FontBook | None = None,
) -> SlideLayout:
    """Draw the error slide for `reason`; the player keeps syncing behind it."""
    fonts = fonts or default_fonts()
    return render_slide(path, layout_slide(size, error_parts(reason, identity), fonts), fonts)
