"""Deterministic playback order (§9, §33.10): enabled items in sequence, skip unplayable, loop.

Given the same manifest and the same set of playable assets, every device walks the same
sequence, so two screens side by side agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from player.wire import ManifestItem


@dataclass(frozen=True)
class Position:
    """Where the rotation stands: the item index and whether this step wrapped the loop."""

    index: int
    wrapped: bool


def is_eligible(item: ManifestItem, playable: frozenset[str]) -> bool:
    """An item plays when it is enabled and its asset is cached and not known to fail."""
    return item.enabled and item.asset_id in playable


def next_position(
    items: Sequence[ManifestItem], current_index: int | None, playable: frozenset[str]
) -> Position | None:
    """The next eligible item after `current_index` (None: start of the playlist).

    Returns None when no item is eligible. `wrapped` is true when the step passed the end
    of the list, which is what counts a completed loop (§27.8.2 `loopCount`).
    """
    count = len(items)
    start = 0 if current_index is None else current_index + 1
    for offset in range(count):
        raw = start + offset
        index = raw % count
        if is_eligible(items[index], playable):
            wrapped = current_index is not None and raw >= count
            return Position(index=index, wrapped=wrapped)
    return None


def has_playable(items: Sequence[ManifestItem], playable: frozenset[str]) -> bool:
    """Whether at least one item of the playlist can be shown (§28.4 PLAYABLE_CHECK)."""
    return any(is_eligible(item, playable) for item in items)


def upcoming_indices(items: Sequence[ManifestItem], current_index: int | None) -> list[int]:
    """Every index in the order playback will reach it from `current_index`, one full loop."""
    count = len(items)
    start = 0 if current_index is None else current_index + 1
    return [(start + offset) % count for offset in range(count)]
