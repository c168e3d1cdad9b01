"""Two-phase apply of a staged manifest (§28.5, §33.8), as pure decisions.

A staged manifest waits for its assets; it becomes current only at a safe boundary (between
items, never mid-video), either when every asset is ready or, when the current manifest has
expired, as soon as part of it is playable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from player.playback_order import has_playable
from player.wire import Manifest


class StagedStatus(StrEnum):
    NONE = "STAGED_NONE"
    WAITING_ASSETS = "STAGED_WAITING_ASSETS"
    READY = "STAGED_READY"
    REJECTED = "STAGED_REJECTED"


class ApplyDecision(StrEnum):
    WAIT = "WAIT"  # keep playing current, keep downloading
    APPLY_NOW = "APPLY_NOW"  # nothing is on screen worth protecting
    APPLY_AT_BOUNDARY = "APPLY_AT_BOUNDARY"  # swap when the current item ends
    REJECT = "REJECT"  # permanently unplayable


@dataclass(frozen=True)
class StagingInputs:
    """What the decision needs: the manifests, the cache, the clock and what is on screen."""

    staged: Manifest | None
    current: Manifest | None
    cached: frozenset[str]
    failed_permanently: frozenset[str]
    now: datetime
    current_playable: bool  # the current manifest has something it can show
    on_screen: bool  # an item is showing now, so a swap must wait for its end


def staged_status(
    staged: Manifest | None, cached: frozenset[str], failed_permanently: frozenset[str]
) -> StagedStatus:
    """Classify a staged manifest by the state of its assets (§28.5)."""
    if staged is None:
        return StagedStatus.NONE
    needed = {item.asset_id for item in staged.items if item.enabled}
    if needed <= cached:
        return StagedStatus.READY
    unresolved = needed - cached
    if unresolved <= failed_permanently and not (needed & cached):
        return StagedStatus.REJECTED
    return StagedStatus.WAITING_ASSETS


def decide_apply(inputs: StagingInputs) -> ApplyDecision:
    """Decide whether, and when, the staged manifest replaces the current one (§28.5)."""
    status = staged_status(inputs.staged, inputs.cached, inputs.failed_permanently)
    if status is StagedStatus.NONE:
        return ApplyDecision.WAIT
    if status is StagedStatus.REJECTED:
        return ApplyDecision.REJECT
    if status is StagedStatus.READY or _partial_apply_allowed(inputs):
        # Never mid-item when something is on screen (§33.8); otherwise there is nothing to
        # interrupt and the swap ends a blank or error screen sooner.
        return ApplyDecision.APPLY_AT_BOUNDARY if inputs.on_screen else ApplyDecision.APPLY_NOW
    return ApplyDecision.WAIT


def _partial_apply_allowed(inputs: StagingInputs) -> bool:
    """Partial playable staged content wins when current has expired or cannot play."""
    assert inputs.staged is not None
    if not has_playable(inputs.staged.items, inputs.cached):
        return False
    current_expired = inputs.current is None or inputs.now >= inputs.current.valid_to_utc
    return current_expired or not inputs.current_playable
