from hypothesis import given
from hypothesis import strategies as st

from player.cache_policy import CachedAsset, plan_eviction


def test_no_eviction_below_ninety_percent():
    plan = plan_eviction([CachedAsset("a", 80, 1)], frozenset(), 100, incoming_bytes=10)
    assert plan.evict == ()
    assert plan.fits


def test_evicts_least_recently_used_unprotected_first():
    assets = [CachedAsset("old", 30, 1), CachedAsset("new", 30, 5), CachedAsset("cur", 30, 0)]
    plan = plan_eviction(assets, frozenset({"cur"}), 100, incoming_bytes=20)
    assert plan.evict == ("old",)
    assert plan.fits


def test_reports_when_protected_assets_leave_no_room():
    assets = [CachedAsset("cur", 80, 1), CachedAsset("prev", 15, 1)]
    plan = plan_eviction(assets, frozenset({"cur", "prev"}), 100, incoming_bytes=10)
    assert plan.evict == ()
    assert not plan.fits


asset_lists = st.lists(
    st.builds(
        CachedAsset,
        st.text("abcdefgh", min_size=1, max_size=3),
        st.integers(0, 50),
        st.floats(0, 100),
    ),
    max_size=15,
    unique_by=lambda a: a.asset_id,
)


@given(
    asset_lists,
    st.sets(st.text("abcdefgh", min_size=1, max_size=3)),
    st.integers(1, 400),
    st.integers(0, 100),
)
def test_eviction_never_touches_protected_and_follows_lru(assets, protected, budget, incoming):
    plan = plan_eviction(assets, frozenset(protected), budget, incoming)
    assert not set(plan.evict) & protected
    by_id = {a.asset_id: a for a in assets}
    assert plan.freed_bytes == sum(by_id[a].size_bytes for a in plan.evict)
    kept = [a for a in assets if a.asset_id not in protected and a.asset_id not in plan.evict]
    if plan.evict and kept:
        newest_evicted = max((by_id[a].last_used, a) for a in plan.evict)
        assert all((a.last_used, a.asset_id) >= newest_evicted for a in kept)
    remaining = sum(a.size_bytes for a in assets) - plan.freed_bytes
    assert plan.fits == (remaining + incoming <= budget)
