"""Where each piece of one of the player's own slides goes (pairing §28.10, error §28.4).

A pure function of the slide's size, its texts and how large the fonts draw them (`TextMeasure`,
Pillow's text bounding boxes in the player), so the rules of issue 22 are unit-tested without
drawing: no text overlaps another or the QR code, everything lies inside the slide, and the
pairing code's letters are at least an eighth of the slide's height. Text that does not fit is
wrapped, then the whole slide is scaled down step by step (the code never below its rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

Size = tuple[int, int]
InkBox = tuple[int, int, int, int]  # left, top, right, bottom relative to the text's origin

CODE_MIN_HEIGHT_SHARE = 1 / 8  # of the slide's height: readable from across a room (issue 22)
CODE_TARGET_HEIGHT_SHARE = 0.17  # of the short side: as large as this when the width allows
MARGIN_SHARE = 0.06  # of the slide's short side, around the slide
GAP_SHARE = 0.045  # between two blocks
SIDE_QR_SHARE = 0.5  # landscape: the QR's side, of the slide's height
STACKED_QR_SHARE = 0.5  # portrait: the QR's side, of the slide's width
SCALES = (1.0, 0.92, 0.84, 0.76, 0.68, 0.6, 0.5)  # tried in turn until everything fits
CODE_LINE_PITCH = 1.3  # code lines (portrait) sit 1.3 letter heights apart


class Face(StrEnum):
    SANS = "SANS"
    SANS_BOLD = "SANS_BOLD"
    MONO_BOLD = "MONO_BOLD"  # the code and the address: every character unambiguous


class Role(StrEnum):
    TITLE = "TITLE"
    CODE = "CODE"
    ADDRESS = "ADDRESS"
    BODY = "BODY"
    IDENTITY = "IDENTITY"


# Face and font size (a share of the slide's short side) of every role but the code.
STYLES: dict[Role, tuple[Face, float]] = {
    Role.TITLE: (Face.SANS_BOLD, 0.075),
    Role.ADDRESS: (Face.MONO_BOLD, 0.055),
    Role.BODY: (Face.SANS, 0.045),
    Role.IDENTITY: (Face.SANS, 0.04),
}


class TextMeasure(Protocol):
    def ink_box(self, face: Face, px: int, text: str) -> InkBox:
        """The ink of `text` drawn at (0, 0) with its top at the font's ascender."""

    def line_height(self, face: Face, px: int) -> int:
        """The distance between two lines of a paragraph."""


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def intersects(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def inside(self, other: Box) -> bool:
        return (
            other.left <= self.left
            and other.top <= self.top
            and self.right <= other.right
            and self.bottom <= other.bottom
        )


@dataclass(frozen=True)
class Paragraph:
    role: Role
    text: str


@dataclass(frozen=True)
class QrSlot:
    """Where the QR code goes; `modules` (border included) keeps its squares whole pixels."""

    modules: int


SlidePart = Paragraph | QrSlot


@dataclass(frozen=True)
class PlacedLine:
    """One line of text: drawn at `origin` (top-left, ascender anchor); its ink fills `box`."""

    role: Role
    face: Face
    px: int
    text: str
    origin: tuple[int, int]
    box: Box


@dataclass(frozen=True)
class SlideLayout:
    width: int
    height: int
    lines: tuple[PlacedLine, ...]
    qr: Box | None

    @property
    def bounds(self) -> Box:
        return Box(0, 0, self.width, self.height)

    def lines_of(self, role: Role) -> tuple[PlacedLine, ...]:
        return tuple(line for line in self.lines if line.role is role)


def slide_size(output: Size, orientation: str) -> Size:
    """The slide's size for an output: PORTRAIT (§27.8.1) turns it a quarter, as the media
    backend rotates every picture a quarter on such a screen."""
    width, height = output
    return (height, width) if orientation == "PORTRAIT" else (width, height)


def layout_slide(size: Size, parts: Sequence[SlidePart], measure: TextMeasure) -> SlideLayout:
    """Place `parts` on a slide of `size`, the largest scale at which everything fits."""
    has_qr = any(isinstance(part, QrSlot) for part in parts)
    # Landscape: the QR code beside the text, or (a screen nearly square) below it.
    arrangements = (True, False) if has_qr and size[0] > size[1] else (False,)
    for qr_beside in arrangements:
        for scale in SCALES:
            layout = _layout_at(size, parts, measure, scale, qr_beside)
            if layout is not None:
                return layout
    # A slide far smaller than any TV: draw the smallest attempt rather than nothing.
    smallest = _layout_at(size, parts, measure, SCALES[-1], arrangements[-1], must_fit=False)
    assert smallest is not None
    return smallest


@dataclass(frozen=True)
class _Line:
    role: Role
    face: Face
    px: int
    text: str
    ink: InkBox


@dataclass(frozen=True)
class _Block:
    """A paragraph's lines (and their pitch) or, with `qr_side`, the QR code in the flow."""

    lines: tuple[_Line, ...] = ()
    pitch: int = 0
    qr_side: int = 0
    below_rule: bool = False  # a code whose letters could not be made tall enough

    @property
    def height(self) -> int:
        if self.qr_side:
            return self.qr_side
        first, last = self.lines[0].ink, self.lines[-1].ink
        return (len(self.lines) - 1) * self.pitch + last[3] - first[1]


def _layout_at(
    size: Size,
    parts: Sequence[SlidePart],
    measure: TextMeasure,
    scale: float,
    qr_beside: bool,
    must_fit: bool = True,
) -> SlideLayout | None:
    """With `qr_beside`: text in a column on the left, the QR code on the right. Otherwise
    one centred column, the QR code in the flow, under the address. None if it does not fit."""
    width, height = size
    short = min(width, height)
    margin = round(short * MARGIN_SHARE)
    gap = round(short * GAP_SHARE * scale)
    slot = next((part for part in parts if isinstance(part, QrSlot)), None)
    side_qr = _side_qr(size, margin, slot) if slot is not None and qr_beside else None
    column = (margin, side_qr.left - margin if side_qr else width - margin)
    column_width = column[1] - column[0]
    blocks: list[_Block] = []
    for part in parts:
        if isinstance(part, QrSlot):
            if side_qr is None:
                side = _qr_side(round(width * STACKED_QR_SHARE * scale), part.modules)
                blocks.append(_Block(qr_side=side))
        elif part.role is Role.CODE:
            blocks.append(_code_block(part.text, size, column_width, measure, scale))
        else:
            blocks.append(_text_block(part, short, column_width, measure, scale))
    total = sum(block.height for block in blocks) + gap * (len(blocks) - 1)
    room = height - 2 * margin
    fits = total <= room and _within_column(blocks, column_width)
    if must_fit and not (fits and not any(block.below_rule for block in blocks)):
        return None
    lines, stacked_qr = _stack(blocks, column, margin + (room - total) // 2, gap, side_qr is None)
    return SlideLayout(width, height, lines, side_qr or stacked_qr)


def _side_qr(size: Size, margin: int, slot: QrSlot) -> Box:
    width, height = size
    side = _qr_side(round(height * SIDE_QR_SHARE), slot.modules)
    top = (height - side) // 2
    return Box(width - margin - side, top, width - margin, top + side)


def _stack(
    blocks: list[_Block], column: tuple[int, int], top: int, gap: int, centred: bool
) -> tuple[tuple[PlacedLine, ...], Box | None]:
    """Place the blocks top-down from `top`; lines left-aligned or centred in the column."""
    left, right = column
    placed: list[PlacedLine] = []
    qr: Box | None = None
    for block in blocks:
        if block.qr_side:
            x = left + (right - left - block.qr_side) // 2
            qr = Box(x, top, x + block.qr_side, top + block.qr_side)
        origin_y = top - block.lines[0].ink[1] if block.lines else top
        for line in block.lines:
            ink_left, ink_top, ink_right, ink_bottom = line.ink
            x = left
            if centred:
                x += (right - left - (ink_right - ink_left)) // 2 - ink_left
            box = Box(x + ink_left, origin_y + ink_top, x + ink_right, origin_y + ink_bottom)
            placed.append(PlacedLine(line.role, line.face, line.px, line.text, (x, origin_y), box))
            origin_y += block.pitch
        top += block.height + gap
    return tuple(placed), qr


def _within_column(blocks: list[_Block], column: int) -> bool:
    return all(line.ink[2] - min(line.ink[0], 0) <= column for b in blocks for line in b.lines)


def _qr_side(limit: int, modules: int) -> int:
    """The largest side within `limit` made of whole-pixel squares."""
    return max(limit // modules, 1) * modules


def _text_block(
    paragraph: Paragraph, short: int, column: int, measure: TextMeasure, scale: float
) -> _Block:
    face, share = STYLES[paragraph.role]
    px = max(round(short * share * scale), 8)
    texts = wrap(paragraph.text, column, lambda text: measure.ink_box(face, px, text))
    lines = tuple(
        _Line(paragraph.role, face, px, text, measure.ink_box(face, px, text)) for text in texts
    )
    return _Block(lines, measure.line_height(face, px))


def _code_block(code: str, size: Size, column: int, measure: TextMeasure, scale: float) -> _Block:
    """The code on one line (ABCD-EFGH) when its letters can be tall enough there, else one
    group per line (portrait); as tall as CODE_TARGET_HEIGHT_SHARE allows, never below the
    rule where the width allows it."""
    rule = size[1] * CODE_MIN_HEIGHT_SHARE
    # A whole pixel or two above the rule: font sizes are whole numbers.
    target = max(min(size) * CODE_TARGET_HEIGHT_SHARE * scale, math.ceil(rule) + 2)
    candidates: list[tuple[int, _Block]] = []
    for texts in ((code,), tuple(code.split("-"))):
        px = _largest_px(texts, column, target, measure)
        lines = tuple(
            _Line(Role.CODE, Face.MONO_BOLD, px, text, measure.ink_box(Face.MONO_BOLD, px, text))
            for text in texts
        )
        letter_height = _letter_height(px, measure)
        block = _Block(lines, round(letter_height * CODE_LINE_PITCH))
        if letter_height >= rule:
            return block
        candidates.append((letter_height, replace(block, below_rule=True)))
    return max(candidates, key=lambda candidate: candidate[0])[1]


def _letter_height(px: int, measure: TextMeasure) -> int:
    """The height of a capital letter (a Q's tail reaches below it)."""
    _, top, _, bottom = measure.ink_box(Face.MONO_BOLD, px, "H")
    return bottom - top


def _largest_px(texts: tuple[str, ...], column: int, target: float, measure: TextMeasure) -> int:
    """The largest font size whose capitals are at most `target` tall, every text at most
    `column` wide."""

    def fits(px: int) -> bool:
        if _letter_height(px, measure) > target:
            return False
        for text in texts:
            left, _, right, _ = measure.ink_box(Face.MONO_BOLD, px, text)
            if right - min(left, 0) > column:
                return False
        return True

    low, high = 8, 4096
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def wrap(text: str, width: int, ink_box: Callable[[str], InkBox]) -> list[str]:
    """Greedy word wrap by measured ink width; a word wider than a line (an address) is cut
    after its last '/' or '.' that fits, else between characters."""

    def fits(candidate: str) -> bool:
        left, _, right, _ = ink_box(candidate)
        return right - min(left, 0) <= width

    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        while not fits(word) and len(word) > 1:
            head = _longest_fitting_head(word, fits)
            lines.append(head)
            word = word[len(head) :]
        current = word
    if current:
        lines.append(current)
    return lines or [""]


def _longest_fitting_head(word: str, fits: Callable[[str], bool]) -> str:
    end = 1
    while end < len(word) and fits(word[: end + 1]):
        end += 1
    head = word[:end]
    cut = max(head.rfind("/"), head.rfind("."))
    return head[: cut + 1] if cut > 0 and end < len(word) else head
