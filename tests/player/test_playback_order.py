from hypothesis import given
from hypothesis import strategies as st

from player.playback_order import Position, next_position
from player.wire import ManifestItem
from tests.player.factories import item_json


def items(*specs):
    return [ManifestItem.from_json(item_json(a, enabled=e)) for a, e in specs]


def walk(playlist, playable, steps):
    index, seen = None, []
    for _ in range(steps):
        position = next_position(playlist, index, playable)
        if position is None:
            break
        index = position.index
        seen.append(playlist[index].asset_id)
    return seen


def test_plays_in_sequence_and_loops():
    playlist = items(("a", True), ("b", True), ("c", True))
    assert walk(playlist, frozenset("abc"), 7) == list("abcabca")


def test_skips_disabled_and_missing_items():
    playlist = items(("a", True), ("b", False), ("c", True), ("d", True))
    assert walk(playlist, frozenset("abc"), 4) == list("acac")


def test_wrap_is_reported_when_passing_the_end():
    playlist = items(("a", True), ("b", True))
    assert next_position(playlist, 1, frozenset("ab")) == Position(0, wrapped=True)
    assert next_position(playlist, None, frozenset("ab")) == Position(0, wrapped=False)


def test_nothing_playable_gives_no_position():
    assert next_position(items(("a", True)), None, frozenset()) is None


@given(
    st.lists(st.tuples(st.sampled_from("abcdef"), st.booleans()), min_size=1, max_size=12),
    st.sets(st.sampled_from("abcdef")),
)
def test_order_is_deterministic_and_only_eligible(specs, playable_set):
    playlist = items(*specs)
    playable = frozenset(playable_set)
    first = walk(playlist, playable, 30)
    assert first == walk(playlist, playable, 30)
    eligible = [i.asset_id for i in playlist if i.enabled and i.asset_id in playable]
    assert set(first) == set(eligible)
    if eligible:
        # One loop of the walk is exactly the eligible items in playlist order.
        assert first[: len(eligible)] == eligible
