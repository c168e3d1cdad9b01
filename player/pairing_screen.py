"""The pairing screen (§8, §28.10): the code to type, where to type it, and a QR code."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import qrcode

from player.canvas import QrMatrix, render_slide
from player.fonts import FontBook, default_fonts
from player.slide_layout import (
    Paragraph,
    QrSlot,
    Role,
    Size,
    SlideLayout,
    SlidePart,
    layout_slide,
)

PAIR_PATH = "/app/pair"
QR_QUIET_MODULES = 4  # the quiet zone a QR reader expects, light on our dark slide


def pairing_address(qr_payload: str, api_url: str) -> str:
    """The address a person types: the platform's pairing page, as the QR code opens it
    (§27.7 qrPayload, `{public base URL}/app/pair?code=...`) without the query; from the
    configured API URL when the payload is no web address. An https:// prefix is left out
    (browsers add it); http:// stays, a browser would not guess it."""
    parts = urlsplit(qr_payload)
    if parts.scheme in ("http", "https") and parts.netloc:
        address = urlunsplit((parts.scheme, parts.netloc, parts.path or PAIR_PATH, "", ""))
    else:
        address = api_url.rstrip("/") + PAIR_PATH
    return address.removeprefix("https://")


def pairing_parts(code: str, address: str, qr_modules: int) -> tuple[SlidePart, ...]:
    return (
        Paragraph(Role.TITLE, "Pair this screen"),
        Paragraph(Role.CODE, code),
        Paragraph(Role.BODY, "On a phone or computer, open"),
        Paragraph(Role.ADDRESS, address),
        Paragraph(Role.BODY, "and type the code, or scan the QR code."),
        QrSlot(qr_modules),
        Paragraph(Role.BODY, "Once paired, the screen plays by itself."),
    )


CONNECTING_PARTS: tuple[SlidePart, ...] = (
    Paragraph(Role.TITLE, "Setting up this screen"),
    Paragraph(Role.BODY, "Connecting to the server..."),
    Paragraph(Role.BODY, "A pairing code appears here as soon as the server answers."),
)


def qr_matrix(payload: str) -> QrMatrix:
    qr = qrcode.QRCode(border=QR_QUIET_MODULES)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix: QrMatrix = qr.get_matrix()
    return matrix


def render_pairing_screen(
    path: Path,
    size: Size,
    pairing: tuple[str, str] | None,
    api_url: str,
    fonts: FontBook | None = None,
) -> SlideLayout:
    """Draw the pairing slide for `pairing` (code, QR payload); without one yet, the
    "connecting" slide. Returns the layout drawn."""
    fonts = fonts or default_fonts()
    if pairing is None:
        return render_slide(path, layout_slide(size, CONNECTING_PARTS, fonts), fonts)
    code, qr_payload = pairing
    matrix = qr_matrix(qr_payload)
    parts = pairing_parts(code, pairing_address(qr_payload, api_url), len(matrix))
    return render_slide(path, layout_slide(size, parts, fonts), fonts, matrix)
