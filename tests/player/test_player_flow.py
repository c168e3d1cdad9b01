"""The real player against the fake platform on a manual clock: the happy paths."""

import itertools
import logging
import os
import stat

from player.recorder import ScreenKind
from player.state_machine import PlayerState
from tests.player.fake_platform import MediaFault
from tests.player.harness import publish_abc

NEXT = {"a": "b", "b": "c", "c": "a"}  # the published order, looping


def playing(h):
    return lambda: h.player.state is PlayerState.PLAYING


def test_pairs_then_downloads_and_plays_in_deterministic_order(platform, make_player):
    publish_abc(platform)
    h = make_player(paired=False)
    h.run_until(playing(h))
    h.run(8)
    sequence = h.recorder.asset_sequence()
    # Playback skips items not cached yet (playback_order.next_position): it never waits;
    # on a busy machine "a" may finish after "b", so the loop may start later in the cycle.
    assert len(sequence) >= 6
    assert all(after == NEXT[before] for before, after in itertools.pairwise(sequence[:6]))
    assert h.blank_or_error_since_first_content() == 0
    token_file = h.data_dir / "token"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    snapshot = h.player.store.read_state()
    assert snapshot.device_id == "dev_1"
    assert snapshot.state == "PLAYING"
    assert snapshot.pairing_code is None


def test_pairing_code_is_kept_in_state_while_pairing(platform, make_player):
    platform.state.claim_after_polls = 1000
    h = make_player(paired=False)
    h.run_until(lambda: h.player.snapshot().pairing_code is not None)
    h.run(0.2)
    assert h.player.store.read_state().pairing_code == "000001"
    assert h.player.state is PlayerState.UNREGISTERED


def test_images_show_for_their_duration_and_videos_to_the_end(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.run_until(playing(h))
    h.run(6)
    frames = [f for f in h.recorder.frames() if f.asset_id]
    durations = [round(b.at - a.at, 1) for a, b in itertools.pairwise(frames)]
    assert set(durations) == {1.0}  # 1 s images, and the fake video ends after 1 s


def test_heartbeat_carries_exactly_the_documented_fields(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.run_until(playing(h))
    h.run_until(lambda: any(b["state"] == "PLAYING" for b in platform.state.heartbeats))
    beat = next(b for b in platform.state.heartbeats if b["state"] == "PLAYING")
    assert set(beat) == {
        "deviceTime", "appVersion", "state", "manifestEtag", "playback", "cache", "network",
        "errors",
    }  # fmt: skip
    assert set(beat["playback"]) == {
        "playlistId", "publishedVersion", "currentAssetId", "currentItemIndex", "loopCount"
    }  # fmt: skip
    assert set(beat["cache"]) == {"totalBytes", "usedBytes", "assetCount", "pendingDownloads"}
    assert set(beat["network"]) == {"connected", "type", "lastSyncAtUtc"}
    assert set(beat["errors"]) == {
        "playbackFailures", "downloadFailures", "manifestFetchFailures"
    }  # fmt: skip
    assert beat["manifestEtag"] == "e1"
    assert beat["cache"]["assetCount"] == 3


def test_new_manifest_applies_at_an_item_boundary_never_mid_video(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.run_until(
        lambda: h.player.now_playing is not None and h.player.now_playing.item.type == "VIDEO"
    )
    video_started = h.clock.monotonic()
    platform.publish("e2", [platform.item("b2", "b.png", "IMAGE")])
    h.run_until(lambda: h.player.current.manifest_etag == "e2")
    assert h.clock.monotonic() - video_started >= 1.0  # the video played to its end
    h.run(2)
    assert h.recorder.asset_sequence()[-1] == "b2"
    assert h.player.previous.manifest_etag == "e1"
    assert h.blank_or_error_since_first_content() == 0
    assert {"MANIFEST_STAGED", "MANIFEST_APPLIED"} <= set(platform.event_types())


def test_events_carry_unique_event_ids(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.run_until(lambda: "MANIFEST_APPLIED" in platform.event_types())
    ids = [e["eventId"] for e in platform.state.events]
    assert len(ids) == len(set(ids))


def test_staged_manifest_whose_assets_never_arrive_is_rejected(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.add_media("gone.png", b"never served")
    platform.state.media_faults["gone.png"] = MediaFault("404")
    platform.publish("e2", [platform.item("gone", "gone.png", "IMAGE")])
    h.run_until(lambda: "MANIFEST_REJECTED" in platform.event_types(), limit=120)
    assert h.player.current.manifest_etag == "e1"
    assert h.blank_or_error_since_first_content() == 0


def test_no_playlist_and_no_cache_shows_the_error_screen_until_content_arrives(
    platform, make_player
):
    platform.publish("e0", None)
    h = make_player()
    h.run_until(lambda: h.player.state is PlayerState.ERROR_SCREEN)
    h.run(3)
    assert h.recorder.frames()[-1].kind is ScreenKind.ERROR
    publish_abc(platform, etag="e1")
    h.run_until(lambda: h.player.state is PlayerState.PLAYING)
    assert "ERROR_SCREEN_ENTERED" in platform.event_types()


def test_no_playlist_keeps_cached_content_on_screen(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    platform.publish("e2", None)
    h.run_until(lambda: h.player.current.manifest_etag == "e2")
    h.run(4)
    assert h.player.state is PlayerState.PLAYING
    assert h.blank_or_error_since_first_content() == 0


def test_restart_playback_loop_starts_again_from_the_first_item(platform, make_player):
    publish_abc(platform)
    h = make_player()
    h.warm()
    h.run_until(lambda: h.player.now_playing is not None and h.player.now_playing.index == 1)
    platform.state.commands = [{"commandId": "r1", "type": "RESTART_PLAYBACK_LOOP"}]
    h.run_until(lambda: "r1" in platform.state.results)
    shown_before = len(h.recorder.asset_sequence())
    h.run(2.5)
    assert h.recorder.asset_sequence()[shown_before - 1 : shown_before + 2] == ["a", "b", "c"]


def test_diagnostics_raise_logging_for_the_requested_minutes(platform, make_player):
    publish_abc(platform)
    h = make_player()
    logger = logging.getLogger("player")
    logger.setLevel(logging.WARNING)
    platform.state.commands = [
        {"commandId": "d1", "type": "ENABLE_DIAGNOSTICS", "parameters": {"durationMinutes": 1}}
    ]
    h.run_until(lambda: "d1" in platform.state.results)
    assert logger.level == logging.DEBUG
    h.run(61)
    assert logger.level == logging.WARNING
    logger.setLevel(logging.NOTSET)


def test_a_full_batch_of_events_is_flushed_without_waiting(platform, make_player):
    publish_abc(platform)
    h = make_player(events_flush_seconds=3600)
    h.run_until(lambda: h.player.state is PlayerState.PLAYING)
    for n in range(150):
        h.player.outbox.emit("CACHE_EVICTION", "INFO", {"assetId": str(n), "freedBytes": 0})
    h.run_until(lambda: len(platform.state.events) >= 100, limit=5)


def test_a_heartbeat_sent_before_the_first_manifest_is_followed_on_its_cadence(
    platform, make_player
):
    """The first heartbeat leaves before any manifest, on the default 60 s cadence; the first
    manifest's nextCheckSeconds (§27.8.2) brings the next one in, so a newly paired screen
    reports PLAYING within seconds rather than a minute later."""
    h = make_player()
    h.run_until(lambda: bool(platform.state.heartbeats))
    assert platform.state.heartbeats[0]["state"] != "PLAYING"
    publish_abc(platform)  # nextCheckSeconds 1
    h.run_until(lambda: any(b["state"] == "PLAYING" for b in platform.state.heartbeats), limit=30)
