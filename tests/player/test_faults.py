"""Fault injection against the real player (in-process, manual clock, fake screen).

The invariant in every test: once playable content is cached the screen is never blank (nor
the error screen), no good cached asset is lost, and the order stays deterministic.
"""

import json
from datetime import UTC, datetime, timedelta

from player.state_machine import PlayerState
from player.store import ManifestSlot
from tests.player.fake_platform import MediaFault
from tests.player.harness import publish_abc
from tests.player.media import image_bytes


def assert_rotation_deterministic(h, start_at=0):
    sequence = h.recorder.asset_sequence()[start_at:]
    first = sequence.index("a")
    cycle = ["a", "b", "c"]
    expected = [cycle[i % 3] for i in range(len(sequence) - first)]
    assert sequence[first:] == expected


def test_network_drop_keeps_playing_and_reports_offline_then_online(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.network_down()
    h.run(20)
    assert not h.player.connected
    platform.network_up()
    h.run_until(lambda: "ONLINE_RESTORED" in platform.event_types())
    assert "OFFLINE_ENTERED" in platform.event_types()
    assert h.blank_or_error_since_first_content() == 0
    assert h.cached_ids() == {"a", "b", "c"}
    assert_rotation_deterministic(h)


def test_api_503_backs_off_while_playback_continues(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.state.api_fault = (503, None)
    before = platform.state.requests["/v1/player/manifest"]
    h.run(30)
    polls = platform.state.requests["/v1/player/manifest"] - before
    assert 2 <= polls <= 8  # backoff 1-2, 2-4, 4-8, 8-16 s... not one per second
    platform.state.api_fault = None
    h.run_until(lambda: h.player.sync.failures == 0, limit=40)
    assert h.blank_or_error_since_first_content() == 0
    assert h.cached_ids() == {"a", "b", "c"}
    assert_rotation_deterministic(h)
    # the event outbox retries on its own backoff (jittered by hardware id), so it may land later
    h.run_until(lambda: "MANIFEST_FETCH_FAILED" in platform.event_types(), limit=120)


def test_429_retry_after_is_honoured(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.state.api_fault = (429, 30)
    h.run_until(lambda: h.player.sync.failures >= 1)
    throttled_at = platform.state.requests["/v1/player/manifest"]
    h.run(25)
    assert platform.state.requests["/v1/player/manifest"] == throttled_at
    platform.state.api_fault = None
    h.run(10)
    assert platform.state.requests["/v1/player/manifest"] > throttled_at
    assert h.blank_or_error_since_first_content() == 0


def test_heartbeats_and_command_polls_honour_retry_after(platform, make_player):
    """§27.1 "Player behaviour on 429" for the periodic calls too (issue 15 item 5): with a
    1 s cadence they would otherwise come back every second."""
    publish_abc(platform)
    h = make_player()
    h.warm()
    requests = platform.state.requests
    periodic = ("/v1/player/heartbeat", "/v1/player/commands")
    for status in (429, 503):
        platform.state.api_fault = (status, 30)
        counts = {path: requests[path] for path in periodic}
        h.run_until(lambda c=counts: all(requests[p] > c[p] for p in periodic))  # refused once
        throttled = {path: requests[path] for path in periodic}
        h.run(25)
        assert {path: requests[path] for path in periodic} == throttled
        platform.state.api_fault = None
        h.run(10)
        assert all(requests[path] > throttled[path] for path in periodic)
    assert h.blank_or_error_since_first_content() == 0


def test_cdn_404_and_503_skip_the_missing_item_and_recover(platform, make_player):
    publish_abc(platform)
    platform.state.media_faults["b.png"] = MediaFault("404", remaining=3)
    platform.state.media_faults["c.mp4"] = MediaFault("503", remaining=2)
    h = make_player()
    h.run_until(lambda: h.player.state is PlayerState.PLAYING)
    h.run_until(lambda: len(h.player.cache.assets) == 3, limit=120)
    h.run(4)
    failures = [e for e in platform.state.events if e["eventType"] == "DOWNLOAD_FAILED"]
    assert {e["payload"]["httpStatus"] for e in failures} == {404, 503}
    assert all("sig=" not in e["payload"]["url"] for e in failures)  # no signed URL leaks
    assert h.blank_or_error_since_first_content() == 0
    assert h.recorder.asset_sequence()[-3:] in (["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"])


def test_truncated_download_resumes_with_a_range_request(platform, make_player):
    publish_abc(platform)
    platform.state.media_faults["c.mp4"] = MediaFault("truncate", remaining=1)
    h = make_player()
    h.warm()
    assert platform.state.range_requests >= 1
    assert h.player.index.get("c").size_bytes == len(platform.state.media["c.mp4"])


def test_corrupt_download_is_discarded_and_fetched_again(platform, make_player):
    publish_abc(platform)
    platform.state.media_faults["a.jpg"] = MediaFault("corrupt", remaining=1)
    h = make_player()
    h.warm()
    assert platform.state.requests["/media/a.jpg"] >= 2
    assert "DOWNLOAD_FAILED" in platform.event_types()


def test_checksum_mismatch_never_replaces_a_good_cached_asset(platform, make_player):
    items = publish_abc(platform)
    h = make_player()
    h.warm()
    good = h.player.index.get("a")
    good_bytes = good.path.read_bytes()
    broken = [dict(items[0], checksumSha256="0" * 64), *items[1:]]
    platform.publish("e2", broken)
    h.run(30)
    kept = h.player.index.get("a")
    assert (kept.path, kept.checksum_sha256) == (good.path, good.checksum_sha256)
    assert kept.path.read_bytes() == good_bytes
    assert h.player.current.manifest_etag == "e1"  # never partially applied while e1 is valid
    assert h.blank_or_error_since_first_content() == 0
    assert_rotation_deterministic(h)


def test_cache_budget_too_small_pauses_downloads_and_keeps_current(platform, make_player):
    publish_abc(platform)
    used = sum(len(platform.state.media[n]) for n in ("a.jpg", "b.png", "c.mp4"))
    h = make_player(cache_budget_bytes=int(used / 0.9) + 200)
    h.warm()
    platform.add_media("big.png", image_bytes((1, 2, 3), "PNG") + b"\0" * 50_000)
    platform.publish("e2", [platform.item("big", "big.png", "IMAGE")])
    h.run(10)
    assert h.player.downloads_paused
    assert {a.asset_id for a in h.player.index.all()} == {"a", "b", "c"}
    assert h.player.current.manifest_etag == "e1"
    assert h.blank_or_error_since_first_content() == 0


def test_the_cache_budget_in_the_manifest_settings_is_applied(platform, make_player):
    """§11.1: the device's budget comes with its manifest, over the configured default
    (issue 15 item 7): too small pauses downloads, a larger one resumes them."""
    items = publish_abc(platform)
    used = sum(len(platform.state.media[n]) for n in ("a.jpg", "b.png", "c.mp4"))
    small = {"cacheBudgetBytes": int(used / 0.9) + 200}
    platform.publish("e1", items, settings=small)
    h = make_player()  # configured with the 2 GB default
    h.warm()
    assert h.player.assets.budget_bytes == small["cacheBudgetBytes"]
    platform.add_media("big.png", image_bytes((1, 2, 3), "PNG") + b"\0" * 50_000)
    big = [platform.item("big", "big.png", "IMAGE")]
    platform.publish("e2", big, settings=small)
    h.run(10)
    assert h.player.downloads_paused
    assert h.cached_ids() == {"a", "b", "c"}
    beats = len(platform.state.heartbeats)
    h.run_until(lambda: len(platform.state.heartbeats) > beats)
    assert platform.state.heartbeats[-1]["cache"]["totalBytes"] == small["cacheBudgetBytes"]
    platform.publish("e3", big, settings={"cacheBudgetBytes": 10 * 1024**2})
    h.run_until(lambda: h.player.current.manifest_etag == "e3")
    assert not h.player.downloads_paused
    assert "big" in h.cached_ids()
    assert h.blank_or_error_since_first_content() == 0


def test_corrupt_current_manifest_falls_back_to_previous_without_blank(platform, make_player):
    publish_abc(platform)
    first = make_player()
    first.warm()
    data_dir = first.data_dir
    first.close()
    current = (data_dir / ManifestSlot.CURRENT.value).read_text()
    (data_dir / ManifestSlot.PREVIOUS.value).write_text(current)
    (data_dir / ManifestSlot.CURRENT.value).write_text('{"manifestEtag": "e1", "trunc')
    platform.network_down()
    h = make_player(data_dir=data_dir)
    assert h.player.state is PlayerState.PLAYING  # the first frame comes from the cache
    h.run(5)
    assert h.recorder.frames()[0].asset_id == "a"
    assert h.blank_or_error_since_first_content() == 0
    platform.network_up()
    h.run_until(lambda: "LOCAL_MANIFEST_CORRUPT" in platform.event_types())
    assert "FALLBACK_TO_PREVIOUS_MANIFEST" in platform.event_types()


def test_kill_mid_apply_recovers_the_staged_manifest(platform, make_player):
    items = publish_abc(platform)
    first = make_player()
    first.warm()
    data_dir = first.data_dir
    first.close()
    # As if killed after "previous <- current" was written but before "current <- staged".
    current = json.loads((data_dir / ManifestSlot.CURRENT.value).read_text())
    (data_dir / ManifestSlot.PREVIOUS.value).write_text(json.dumps(current))
    staged = dict(current, manifestEtag="e2")
    staged["playlist"] = dict(current["playlist"], items=list(reversed(items)))
    (data_dir / ManifestSlot.STAGED.value).write_text(json.dumps(staged))
    platform.publish("e2", list(reversed(items)))
    h = make_player(data_dir=data_dir)
    h.run_until(lambda: h.player.current.manifest_etag == "e2")
    h.run(4)
    assert h.recorder.asset_sequence()[-3:] in (["c", "b", "a"], ["b", "a", "c"], ["a", "c", "b"])
    assert h.blank_or_error_since_first_content() == 0


def test_clock_jump_while_offline_expires_current_and_applies_partial_staged(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.add_media("d.png", image_bytes((9, 9, 9), "PNG"))
    platform.state.media_faults["b.png"] = MediaFault("503")  # "x" can never arrive
    items = [platform.item("d", "d.png", "IMAGE"), platform.item("x", "b.png", "IMAGE")]
    platform.publish("e2", items)
    h.run_until(lambda: "d" in h.cached_ids())
    h.run(3)
    assert h.player.current.manifest_etag == "e1"  # partial content waits while e1 is valid
    platform.network_down()
    h.clock.jump_wall(timedelta(days=365 * 80))  # past 2099, and no server to say otherwise
    h.run_until(lambda: h.player.current.manifest_etag == "e2")
    h.clock.jump_wall(-timedelta(days=365 * 80 + 1))  # and back
    h.run(5)
    assert h.recorder.asset_sequence()[-1] == "d"
    assert h.blank_or_error_since_first_content() == 0


def test_clock_jump_while_online_is_corrected_by_the_server_date(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    h.clock.jump_wall(timedelta(days=365 * 80))  # manifests would all look expired
    h.run(5)
    before = len(platform.state.events)
    h.player.outbox.emit("CACHE_EVICTION", "INFO", {"assetId": "z", "freedBytes": 0})
    h.run_until(lambda: len(platform.state.events) > before)  # not refused as "future"
    assert h.player.current.manifest_etag == "e1"
    beats = len(platform.state.heartbeats)
    h.run_until(lambda: len(platform.state.heartbeats) > beats, limit=120)
    device_time = datetime.fromisoformat(platform.state.heartbeats[-1]["deviceTime"])
    assert abs(device_time - datetime.now(UTC)) < timedelta(minutes=5)
    assert h.player.sync.failures == 0
    assert h.blank_or_error_since_first_content() == 0


def test_rejected_token_is_retried_once_then_the_device_re_pairs(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.state.token = "rotated-elsewhere"
    h.run_until(lambda: h.player.state is PlayerState.UNREGISTERED)
    assert not (h.data_dir / "token").exists()
    h.run_until(lambda: h.player.state is PlayerState.PLAYING)  # pairs again, plays from cache
    h.run_until(lambda: "DEVICE_TOKEN_INVALID" in platform.event_types())


def test_crash_loop_enters_safe_mode_on_the_previous_manifest(platform, make_player):
    items = publish_abc(platform)
    first = make_player()
    first.warm()
    platform.publish("e2", list(reversed(items)))
    first.run_until(lambda: first.player.current.manifest_etag == "e2")
    data_dir = first.data_dir
    first.player.close(clean=False)
    now = first.clock.now().timestamp()
    first.player.store.write_boots([now - 60, now - 30])  # two crashes in the last minute
    platform.network_down()
    h = make_player(data_dir=data_dir)
    assert h.player.safe_mode
    h.run(3)
    assert h.recorder.asset_sequence()[:3] == ["a", "b", "c"]  # e1's order, not e2's
    assert h.player.store.read_state().safe_mode
    platform.network_up()
    h.run_until(lambda: "FALLBACK_TO_PREVIOUS_MANIFEST" in platform.event_types())
    fallback = next(
        e for e in platform.state.events if e["eventType"] == "FALLBACK_TO_PREVIOUS_MANIFEST"
    )
    assert fallback["payload"]["reason"] == "CRASH_LOOP"


def test_unreferenced_assets_are_evicted_least_recently_used_first(platform, make_player):
    publish_abc(platform)
    small = sum(len(platform.state.media[n]) for n in ("a.jpg", "b.png", "c.mp4"))
    padding = b"\0" * 20_000
    for name in ("d", "e", "f"):
        platform.add_media(f"{name}.png", image_bytes((len(name), 0, 0), "PNG") + padding)
    big = len(platform.state.media["d.png"])
    h = make_player(cache_budget_bytes=int((3 * big + small / 2) / 0.9))
    h.warm()
    for etag, name in (("e2", "d"), ("e3", "e"), ("e4", "f")):
        platform.publish(etag, [platform.item(name, f"{name}.png", "IMAGE")])
        h.run_until(lambda etag=etag: h.player.current.manifest_etag == etag)
    h.run_until(lambda: "CACHE_EVICTION" in platform.event_types())
    evicted = [e["payload"]["assetId"] for e in platform.state.events
               if e["eventType"] == "CACHE_EVICTION"]  # fmt: skip
    assert set(evicted) <= {"a", "b", "c"}
    assert {"d", "e", "f"} <= h.cached_ids()  # current and previous are protected
    assert h.blank_or_error_since_first_content() == 0


def test_a_manifest_that_fails_validation_is_rejected_not_a_failed_fetch(platform, make_player):
    """§28.5 "reject if invalid": MANIFEST_REJECTED once per ETag, playback goes on (issue 15
    item 14)."""
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.publish("e2", [])
    del platform.state.manifest["validToUtc"]  # a required member missing
    polls = platform.state.requests["/v1/player/manifest"]
    h.run_until(lambda: "MANIFEST_REJECTED" in platform.event_types(), limit=120)
    h.run_until(lambda: platform.state.requests["/v1/player/manifest"] >= polls + 3, limit=120)
    h.run(5)  # the events outbox flushes
    rejected = [e for e in platform.state.events if e["eventType"] == "MANIFEST_REJECTED"]
    assert [e["payload"]["manifestEtag"] for e in rejected] == ["e2"]  # once, though re-polled
    assert rejected[0]["payload"]["reason"] == "INVALID"
    assert "MANIFEST_FETCH_FAILED" not in platform.event_types()
    assert h.player.counters.manifest_fetch_failures == 0
    assert h.player.current.manifest_etag == "e1"
    assert h.blank_or_error_since_first_content() == 0


def test_a_manifest_rejected_for_corrupt_files_applies_once_the_files_come_through(
    platform, make_player
):
    """Issue 20 (found by the conformance kit): a corrupting network made the new manifest's
    file fail often enough to reject it; when the server offers the manifest again after the
    fault is gone, its files are tried afresh instead of rejected from memory for good."""
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.add_media("d.png", image_bytes((0, 0, 200), "PNG"))
    platform.state.media_faults["d.png"] = MediaFault("corrupt", remaining=6)
    platform.publish("e2", [platform.item("d", "d.png", "IMAGE")])
    h.run_until(lambda: "MANIFEST_REJECTED" in platform.event_types(), limit=300)
    assert h.player.current.manifest_etag == "e1"
    h.run_until(lambda: h.player.current.manifest_etag == "e2", limit=300)
    assert h.blank_or_error_since_first_content() == 0
