"""The slides' layout as a pure function (player.slide_layout, issue 22): size, texts and font
measurements in, boxes out; nothing is drawn here (tests/player/test_slides.py draws)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.error_screen import error_parts
from player.fonts import FontBook
from player.pairing_screen import CONNECTING_PARTS, pairing_address, pairing_parts
from player.slide_layout import (
    CODE_MIN_HEIGHT_SHARE,
    Box,
    Face,
    Role,
    SlideLayout,
    layout_slide,
    slide_size,
    wrap,
)

FONTS = FontBook()
QR_MODULES = 41  # a version-4 code with its quiet zone, as a pairing URL needs
ADDRESS = "signage.example.com/app/pair"


def assert_readable(layout: SlideLayout) -> None:
    """Every text and the QR code inside the slide, and no two of them overlapping."""
    boxes = [line.box for line in layout.lines] + ([layout.qr] if layout.qr else [])
    for box in boxes:
        assert box.inside(layout.bounds), (box, layout.bounds)
    for first, second in itertools.combinations(boxes, 2):
        assert not first.intersects(second), (first, second)


def code_height_rule_holds(layout: SlideLayout) -> bool:
    code = layout.lines_of(Role.CODE)
    return bool(code) and all(
        line.box.height >= layout.height * CODE_MIN_HEIGHT_SHARE for line in code
    )


def test_a_portrait_screen_turns_the_output_a_quarter() -> None:
    assert slide_size((1920, 1080), "PORTRAIT") == (1080, 1920)
    assert slide_size((1920, 1080), "LANDSCAPE") == (1920, 1080)


def test_landscape_puts_the_qr_code_beside_the_text() -> None:
    layout = layout_slide((1920, 1080), pairing_parts("ABCD-EFGH", ADDRESS, QR_MODULES), FONTS)
    assert layout.qr is not None
    assert all(line.box.right < layout.qr.left for line in layout.lines)
    assert [line.text for line in layout.lines_of(Role.CODE)] == ["ABCD-EFGH"]
    assert code_height_rule_holds(layout)
    assert_readable(layout)


def test_portrait_puts_the_qr_code_below_the_address_and_splits_the_code_in_its_groups() -> None:
    layout = layout_slide((1080, 1920), pairing_parts("ABCD-EFGH", ADDRESS, QR_MODULES), FONTS)
    assert layout.qr is not None
    (address,) = layout.lines_of(Role.ADDRESS)
    assert address.box.bottom < layout.qr.top
    # One line of nine characters cannot be 240 px tall on a 1080 px wide screen: two groups.
    assert [line.text for line in layout.lines_of(Role.CODE)] == ["ABCD", "EFGH"]
    assert code_height_rule_holds(layout)
    assert_readable(layout)


def test_the_code_is_the_largest_text() -> None:
    layout = layout_slide((1280, 720), pairing_parts("WXYZ-MMMM", ADDRESS, QR_MODULES), FONTS)
    code_px = layout.lines_of(Role.CODE)[0].px
    assert all(line.px < code_px for line in layout.lines if line.role is not Role.CODE)


def test_a_long_address_wraps_after_a_slash_instead_of_running_off() -> None:
    address = "signage-platform.some-long-hospitality-group.example.com/tenant-area/app/pair"
    layout = layout_slide((1280, 720), pairing_parts("ABCD-EFGH", address, QR_MODULES), FONTS)
    lines = layout.lines_of(Role.ADDRESS)
    assert len(lines) > 1
    assert "".join(line.text for line in lines) == address
    assert all(line.text.endswith(("/", ".")) for line in lines[:-1])
    assert_readable(layout)


def test_too_much_text_is_scaled_down_rather_than_cut() -> None:
    long_reason = " ".join(["The media server did not answer in time, again."] * 30)
    layout = layout_slide((1280, 720), error_parts(long_reason, "Bar 2 · The Crown"), FONTS)
    full_size = layout_slide((1280, 720), error_parts("NO_PLAYABLE_CONTENT"), FONTS)
    assert layout.lines_of(Role.TITLE)[0].px < full_size.lines_of(Role.TITLE)[0].px
    assert " ".join(line.text for line in layout.lines_of(Role.BODY)).startswith(long_reason)
    assert_readable(layout)


def test_status_slides_show_which_screen_this_is_when_known() -> None:
    layout = layout_slide((1920, 1080), error_parts("NO_PLAYABLE_CONTENT", "Bar 2 · Leeds"), FONTS)
    (identity,) = layout.lines_of(Role.IDENTITY)
    assert identity.text == "Bar 2 · Leeds"
    assert identity.box.top > max(line.box.bottom for line in layout.lines_of(Role.BODY))
    assert layout_slide((1920, 1080), CONNECTING_PARTS, FONTS).qr is None


def test_wrap_cuts_a_word_wider_than_the_line_between_characters() -> None:
    def ink(text: str) -> tuple[int, int, int, int]:
        return (0, 0, 10 * len(text), 10)

    assert wrap("short words here", 60, ink) == ["short", "words", "here"]
    assert wrap("abcdefghijkl", 50, ink) == ["abcde", "fghij", "kl"]
    assert wrap("", 50, ink) == [""]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("https://signage.example.com/app/pair?code=AB-CD&hw=x", "signage.example.com/app/pair"),
        ("http://127.0.0.1:8000/app/pair?code=A", "http://127.0.0.1:8000/app/pair"),
        ("https://example.com/signage/app/pair?code=A#x", "example.com/signage/app/pair"),
        ("signage://pair?code=A", "api.example.com/app/pair"),
    ],
)
def test_the_address_to_type_is_the_qr_codes_page_without_its_query(
    payload: str, expected: str
) -> None:
    assert pairing_address(payload, "https://api.example.com/") == expected


def test_box_geometry() -> None:
    assert Box(0, 0, 10, 10).intersects(Box(9, 9, 20, 20))
    assert not Box(0, 0, 10, 10).intersects(Box(10, 0, 20, 10))  # touching is not overlapping
    assert Box(1, 1, 9, 9).inside(Box(0, 0, 10, 10))
    assert not Box(1, 1, 11, 9).inside(Box(0, 0, 10, 10))


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(640, 4096),
    aspect=st.floats(9 / 16, 21 / 9),  # from a portrait TV to an ultra-wide one
    code=st.text(alphabet="23456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=8, max_size=8),
    host=st.text(alphabet="abcdefghijklmnopqrstuvwxyz-.", min_size=3, max_size=60),
)
def test_any_screen_shape_keeps_the_rules(width: int, aspect: float, code: str, host: str) -> None:
    height = max(round(width / aspect), 360)
    display_code = f"{code[:4]}-{code[4:]}"
    parts = pairing_parts(display_code, f"{host}/app/pair", QR_MODULES)
    layout = layout_slide((width, height), parts, FONTS)
    assert_readable(layout)
    assert code_height_rule_holds(layout)
    assert all(line.face is Face.MONO_BOLD for line in layout.lines_of(Role.CODE))
