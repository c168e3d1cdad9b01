from hypothesis import given
from hypothesis import strategies as st

from player.download_plan import plan_downloads
from tests.player.factories import manifest


def ids(items):
    return [i.asset_id for i in items]


def test_staged_first_then_upcoming_then_previous():
    staged = manifest("e:3", "s1", "c2")
    current = manifest("e:2", "c1", "c2", "c3", "c4")
    previous = manifest("e:1", "p1", "c1")
    plan = plan_downloads(staged, current, previous, current_index=1, have=frozenset({"c1"}))
    assert ids(plan) == ["s1", "c2", "c3", "c4", "p1"]


def test_nothing_missing_means_nothing_to_download():
    current = manifest("e:2", "a")
    assert plan_downloads(None, current, None, None, frozenset({"a"})) == []


names = st.lists(st.sampled_from("abcdefgh"), max_size=6)


@given(names, names, names, st.sets(st.sampled_from("abcdefgh")), st.integers(0, 5))
def test_each_missing_asset_once_staged_first(staged, current, previous, have, index):
    staged_m, current_m, previous_m = (
        manifest(f"e:{n}", *assets) if assets else None
        for n, assets in enumerate((staged, current, previous))
    )
    position = index % len(current) if current else None
    plan = ids(plan_downloads(staged_m, current_m, previous_m, position, frozenset(have)))
    wanted = (set(staged) | set(current) | set(previous)) - have
    assert sorted(plan) == sorted(wanted)
    missing_staged = [a for a in dict.fromkeys(staged) if a not in have]
    assert plan[: len(missing_staged)] == missing_staged
