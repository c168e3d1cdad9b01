"""Download order (§28.9): staged assets first, then upcoming items, then the rest."""

from __future__ import annotations

from collections.abc import Iterable

from player.playback_order import upcoming_indices
from player.wire import Manifest, ManifestItem


def plan_downloads(
    staged: Manifest | None,
    current: Manifest | None,
    previous: Manifest | None,
    current_index: int | None,
    have: frozenset[str],
) -> list[ManifestItem]:
    """Every missing asset once, highest priority first.

    1. the staged manifest in playlist order (it cannot apply until they are here),
    2. the current playlist in the order playback will reach it from `current_index`,
    3. the previous manifest, which is the fallback (§11, §28.4).
    `have` holds the asset ids that are cached or already downloading.
    """
    staged_items = staged.items if staged is not None else ()
    current_items = current.items if current is not None else ()
    upcoming = [current_items[i] for i in upcoming_indices(current_items, current_index)]
    previous_items = previous.items if previous is not None else ()
    return _missing_in_order((*staged_items, *upcoming, *previous_items), have)


def _missing_in_order(items: Iterable[ManifestItem], have: frozenset[str]) -> list[ManifestItem]:
    seen = set(have)
    ordered: list[ManifestItem] = []
    for item in items:
        if item.enabled and item.asset_id not in seen:
            seen.add(item.asset_id)
            ordered.append(item)
    return ordered
