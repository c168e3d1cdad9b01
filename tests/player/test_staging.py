from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from player.staging import (
    ApplyDecision,
    StagedStatus,
    StagingInputs,
    decide_apply,
    staged_status,
)
from tests.player.factories import T0, manifest

CURRENT = manifest("e:1", "a", valid_to=T0 + timedelta(minutes=5))
STAGED = manifest("e:2", "x", "y")


def inputs(
    cached="", failed="", now=T0, playable=True, staged=STAGED, current=CURRENT, on_screen=None
):
    return StagingInputs(
        staged=staged,
        current=current,
        cached=frozenset(cached.split()),
        failed_permanently=frozenset(failed.split()),
        now=now,
        current_playable=playable,
        on_screen=playable if on_screen is None else on_screen,
    )


def test_waits_for_assets_while_current_is_valid():
    assert staged_status(STAGED, frozenset({"x"}), frozenset()) is StagedStatus.WAITING_ASSETS
    assert decide_apply(inputs("x")) is ApplyDecision.WAIT


def test_ready_applies_at_the_next_item_boundary_not_mid_item():
    assert decide_apply(inputs("x y")) is ApplyDecision.APPLY_AT_BOUNDARY


def test_ready_applies_now_when_nothing_is_on_screen():
    assert decide_apply(inputs("x y", playable=False)) is ApplyDecision.APPLY_NOW


def test_partial_applies_once_current_has_expired():
    assert decide_apply(inputs("x", now=T0 + timedelta(minutes=6))) is (
        ApplyDecision.APPLY_AT_BOUNDARY
    )


def test_partial_applies_now_when_current_cannot_play():
    assert decide_apply(inputs("x", playable=False)) is ApplyDecision.APPLY_NOW


def test_partial_waits_for_the_boundary_while_a_fallback_is_on_screen():
    decision = decide_apply(inputs("x", playable=False, on_screen=True))
    assert decision is ApplyDecision.APPLY_AT_BOUNDARY


def test_rejects_when_every_asset_failed_for_good():
    assert decide_apply(inputs("", failed="x y")) is ApplyDecision.REJECT


def test_no_staged_manifest_means_nothing_to_do():
    assert decide_apply(inputs(staged=None)) is ApplyDecision.WAIT


@given(
    st.sets(st.sampled_from("axy")),
    st.sets(st.sampled_from("xy")),
    st.integers(0, 600),
    st.booleans(),
    st.booleans(),
)
def test_never_swaps_mid_item_while_something_plays(cached, failed, seconds, playable, shown):
    decision = decide_apply(
        inputs(
            " ".join(cached),
            " ".join(failed - cached),
            now=T0 + timedelta(seconds=seconds),
            playable=playable,
            on_screen=shown,
        )
    )
    if shown:
        assert decision is not ApplyDecision.APPLY_NOW
    if decision in (ApplyDecision.APPLY_NOW, ApplyDecision.APPLY_AT_BOUNDARY):
        assert cached & {"x", "y"}  # something of the staged playlist can play
