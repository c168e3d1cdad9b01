"""Every slide the player draws itself, drawn at the sizes of real screens (issue 22): the
layout each render returns must describe the picture (nothing drawn outside its boxes, ink in
every text box) and keep the rules (no overlaps, all inside, a code readable across a room)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from player.canvas import BACKGROUND
from player.error_screen import render_error_screen
from player.pairing_screen import render_pairing_screen
from player.slide_layout import Box, Role, Size, SlideLayout
from player.state_machine import PlayerState
from tests.player.harness import Harness

SIZES = [(1920, 1080), (3840, 2160), (1080, 1920), (1280, 720)]
QR_PAYLOAD = "https://signage.example.com/app/pair?code=K7PX-3MQN&hw=vlc-0f4c2a"
API_URL = "https://api.example.com"


@dataclass(frozen=True)
class Drawn:
    layout: SlideLayout
    picture: Image.Image


Render = Callable[[Path, tuple[int, int]], SlideLayout]
SLIDES: dict[str, Render] = {
    "pairing": lambda path, size: render_pairing_screen(
        path, size, ("K7PX-3MQN", QR_PAYLOAD), API_URL
    ),
    "connecting": lambda path, size: render_pairing_screen(path, size, None, API_URL),
    "nothing-to-show": lambda path, size: render_error_screen(
        path, size, "NO_PLAYABLE_CONTENT", "Bar screen 2 · The Crown, Leeds"
    ),
    "error": lambda path, size: render_error_screen(
        path, size, "MEDIA_DECODER_FAILED: the video driver stopped answering after 3 tries"
    ),
}


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def drawn(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Each slide rendered once per size (a 4K PNG is worth drawing only once)."""
    size = request.param
    folder = tmp_path_factory.mktemp(f"slides-{size[0]}x{size[1]}")
    slides = {}
    for name, render in SLIDES.items():
        path = folder / f"{name}.png"
        layout = render(path, size)
        with Image.open(path) as picture:
            slides[name] = Drawn(layout, picture.convert("RGB"))
    return slides


def boxes(layout: SlideLayout) -> list[Box]:
    return [line.box for line in layout.lines] + ([layout.qr] if layout.qr else [])


@pytest.mark.parametrize("name", SLIDES)
def test_nothing_overlaps_and_everything_is_on_the_slide(drawn, name: str) -> None:
    slide = drawn[name]
    assert slide.picture.size == (slide.layout.width, slide.layout.height)
    for box in boxes(slide.layout):
        assert box.inside(slide.layout.bounds), box
    for first, second in itertools.combinations(boxes(slide.layout), 2):
        assert not first.intersects(second), (first, second)


@pytest.mark.parametrize("name", SLIDES)
def test_the_picture_is_what_the_layout_says(drawn, name: str) -> None:
    slide = drawn[name]
    background = Image.new("RGB", slide.picture.size, BACKGROUND)
    ink = ImageChops.difference(slide.picture, background)
    for box in boxes(slide.layout):
        assert ink.crop((box.left, box.top, box.right, box.bottom)).getbbox() is not None
    # Blank every box (a pixel wider for anti-aliasing): no ink may be left anywhere.
    cover = ImageDraw.Draw(ink)
    for box in boxes(slide.layout):
        cover.rectangle((box.left - 1, box.top - 1, box.right, box.bottom), fill=(0, 0, 0))
    assert ink.getbbox() is None


def test_the_pairing_slide_shows_code_address_qr_and_what_happens_next(drawn) -> None:
    layout = drawn["pairing"].layout
    code_lines = layout.lines_of(Role.CODE)
    assert "".join(line.text for line in code_lines) in ("K7PX-3MQN", "K7PX3MQN")
    for line in code_lines:
        assert line.box.height >= layout.height / 8
        assert all(line.px > other.px for other in layout.lines if other.role is not Role.CODE)
    assert [line.text for line in layout.lines_of(Role.ADDRESS)] == ["signage.example.com/app/pair"]
    assert layout.qr is not None
    assert layout.qr.height >= min(layout.width, layout.height) * 0.3
    body = " ".join(line.text for line in layout.lines_of(Role.BODY))
    assert "Once paired, the screen plays by itself." in body
    if layout.width > layout.height:
        assert all(line.box.right < layout.qr.left for line in layout.lines)
    else:
        assert layout.qr.top > code_lines[-1].box.bottom


def test_status_slides_say_which_screen_this_is(drawn) -> None:
    (identity,) = drawn["nothing-to-show"].layout.lines_of(Role.IDENTITY)
    assert identity.text == "Bar screen 2 · The Crown, Leeds"


# ---- the player draws them at the display's size and orientation ---------------------------


def test_the_error_slide_is_portrait_on_a_portrait_screen(platform, make_player) -> None:
    platform.publish("e0", None)
    platform.state.manifest["settings"]["orientation"] = "PORTRAIT"
    h: Harness = make_player(screen_size=(1280, 720))
    # The error slide is up from the first tick; it is drawn again once the manifest is in.
    h.run_until(lambda: h.player.state is PlayerState.ERROR_SCREEN and h.player.current is not None)
    with Image.open(h.data_dir / "screens" / "error.png") as picture:
        assert picture.size == (720, 1280)
    assert h.backend.orientation == "PORTRAIT"  # libVLC turns it onto the landscape output


def test_a_paired_screens_status_slide_says_which_screen_and_venue_it_is(
    platform, make_player, tmp_path
) -> None:
    """The manifest's `screen` extension reaches the slide, so staff can tell screens apart."""
    platform.publish("e0", None)
    platform.state.manifest["screen"] = {"deviceName": "Bar screen", "venueName": "Fortescue Arms"}
    h: Harness = make_player(screen_size=(1280, 720))
    h.run_until(lambda: h.player.state is PlayerState.ERROR_SCREEN and h.player.current is not None)
    h.run(0.2)
    size: Size = (1280, 720)
    with_line = render_error_screen(
        tmp_path / "named.png", size, "NO_PLAYABLE_CONTENT", "Bar screen · Fortescue Arms"
    )
    assert [line.text for line in with_line.lines_of(Role.IDENTITY)] == [
        "Bar screen · Fortescue Arms"
    ]
    render_error_screen(tmp_path / "anonymous.png", size, "NO_PLAYABLE_CONTENT")
    drawn = (h.data_dir / "screens" / "error.png").read_bytes()
    assert drawn == (tmp_path / "named.png").read_bytes()
    assert drawn != (tmp_path / "anonymous.png").read_bytes()


def test_the_pairing_slide_is_drawn_at_the_configured_size_before_any_manifest(
    platform, make_player
) -> None:
    platform.state.claim_after_polls = 1000
    h: Harness = make_player(paired=False, screen_size=(1280, 720), orientation="PORTRAIT")
    h.run_until(lambda: h.player.snapshot().pairing_code is not None)
    h.run(0.2)
    with Image.open(h.data_dir / "screens" / "pairing.png") as picture:
        assert picture.size == (720, 1280)
    assert h.backend.orientation == "PORTRAIT"
