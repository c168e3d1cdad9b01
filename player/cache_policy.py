"""Cache eviction policy (§11.2, §33.3.5) as a pure function of the cache's contents.

Assets referenced by the current and previous manifests are protected; the rest are evicted
least recently used first once usage would exceed 90% of the budget. When eviction cannot make
room, the plan says so and the shell pauses downloads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_BUDGET_BYTES = 2 * 1024**3  # §11.1
EVICTION_THRESHOLD = 0.9  # §11.2: eviction runs above 90% of the budget


@dataclass(frozen=True)
class CachedAsset:
    """What eviction needs to know about one cached file."""

    asset_id: str
    size_bytes: int
    last_used: float  # seconds on any monotonic scale; only the order matters


@dataclass(frozen=True)
class EvictionPlan:
    """Assets to delete (in order), bytes freed, and whether the incoming bytes then fit."""

    evict: tuple[str, ...]
    freed_bytes: int
    fits: bool


def plan_eviction(
    assets: Iterable[CachedAsset],
    protected: frozenset[str],
    budget_bytes: int,
    incoming_bytes: int = 0,
) -> EvictionPlan:
    """Choose the LRU unprotected assets to evict so `incoming_bytes` can be stored.

    Eviction starts only when usage plus the incoming bytes passes 90% of the budget and stops
    as soon as it is back under; `fits` is false when even evicting everything unprotected
    would leave the incoming bytes over budget (§11.2: downloads pause).
    """
    cached = list(assets)
    used = sum(asset.size_bytes for asset in cached)
    threshold = int(budget_bytes * EVICTION_THRESHOLD)
    if used + incoming_bytes <= threshold:
        return EvictionPlan(evict=(), freed_bytes=0, fits=True)
    candidates = sorted(
        (asset for asset in cached if asset.asset_id not in protected),
        key=lambda asset: (asset.last_used, asset.asset_id),  # id breaks ties deterministically
    )
    evicted: list[str] = []
    freed = 0
    for asset in candidates:
        if used - freed + incoming_bytes <= threshold:
            break
        evicted.append(asset.asset_id)
        freed += asset.size_bytes
    return EvictionPlan(
        evict=tuple(evicted),
        freed_bytes=freed,
        fits=used - freed + incoming_bytes <= budget_bytes,
    )
