"""Store, cache index and event queue: the on-disk state of the player."""

import os
import stat
from datetime import timedelta

from player.cache_index import CacheIndex, IndexedAsset
from player.event_queue import MAX_BATCH, EventQueue
from player.store import DataDir, ManifestSlot, StateSnapshot
from tests.player.factories import T0, manifest


def test_token_is_private_and_can_be_cleared(tmp_path):
    store = DataDir(tmp_path)
    store.write_token("secret")
    assert stat.S_IMODE(os.stat(tmp_path / "token").st_mode) == 0o600
    assert store.read_token() == "secret"
    store.clear_token()
    assert store.read_token() is None


def test_manifests_round_trip_and_leave_no_temp_files(tmp_path):
    store = DataDir(tmp_path)
    store.save_manifest(ManifestSlot.CURRENT, manifest("e:1", "a"))
    loaded, error = store.load_manifest(ManifestSlot.CURRENT)
    assert error is None
    assert loaded is not None
    assert loaded.manifest_etag == "e:1"
    assert not list(tmp_path.glob(".*.tmp"))


def test_corrupt_manifest_reports_the_parse_error_and_can_be_quarantined(tmp_path):
    store = DataDir(tmp_path)
    (tmp_path / "currentManifest.json").write_text("{not json")
    loaded, error = store.load_manifest(ManifestSlot.CURRENT)
    assert loaded is None
    assert error
    store.quarantine(ManifestSlot.CURRENT)
    assert store.load_manifest(ManifestSlot.CURRENT) == (None, None)


def test_state_snapshot_round_trips(tmp_path):
    store = DataDir(tmp_path)
    store.write_state(StateSnapshot(state="PLAYING", current_asset_id="a", manifest_etag="e:1"))
    snapshot = store.read_state()
    assert snapshot is not None
    assert snapshot.current_asset_id == "a"


def test_cache_index_tracks_bytes_and_forgets_vanished_files(tmp_path):
    index = CacheIndex(tmp_path / "cache.sqlite")
    present = tmp_path / "a.jpg"
    present.write_bytes(b"x" * 10)
    index.put(IndexedAsset("a", 10, "0" * 64, present, 1.0))
    index.put(IndexedAsset("b", 5, "1" * 64, tmp_path / "missing", 2.0))
    assert index.used_bytes() == 15
    assert index.drop_missing_files() == ["b"]
    index.touch("a", 9.0)
    assert index.for_eviction()[0].last_used == 9.0
    assert index.remove("a") == 10
    assert not present.exists()


def test_event_queue_batches_at_most_100_and_drops_week_old_events(tmp_path):
    queue = EventQueue(tmp_path / "events.sqlite")
    queue.put("OLD", "INFO", {}, T0 - timedelta(days=8))
    for n in range(250):
        queue.put("APP_STARTED", "INFO", {"n": n}, T0)
    batch = queue.next_batch(T0)
    assert len(batch) == MAX_BATCH
    assert batch[0].payload == {"n": 0}  # FIFO, and the 8-day-old event is gone
    queue.acknowledge([e.event_id for e in batch])
    assert len(queue) == 150
    assert len({e.event_id for e in queue.next_batch(T0)}) == 100
