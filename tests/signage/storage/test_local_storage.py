from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from signage.config import Settings
from signage.storage import ObjectNotFoundError, storage_from_settings
from signage.storage.keys import InvalidKeyError
from signage.storage.local import LocalStorage
from tests.support.clock import FakeClock

KEY = "tenant-1/assets/asset-1/original.jpg"
DATA = b"\xff\xd8 jpeg bytes"


def test_put_head_read_download_delete_round_trip(
    local_storage: LocalStorage, tmp_path: Path
) -> None:
    stored = local_storage.put_bytes(KEY, DATA, "image/jpeg")
    assert stored == local_storage.head(KEY)
    assert (stored.size, stored.content_type) == (len(DATA), "image/jpeg")
    assert local_storage.exists(KEY)
    with local_storage.open_read(KEY) as stream:
        assert stream.read() == DATA
    assert local_storage.download_to(KEY, tmp_path / "copy.jpg") == len(DATA)
    assert (tmp_path / "copy.jpg").read_bytes() == DATA
    local_storage.delete(KEY)
    local_storage.delete(KEY)  # deleting twice is fine
    assert local_storage.head(KEY) is None
    assert not (local_storage.root / "tenant-1").exists()  # empty directories are pruned


def test_replacing_an_object_changes_its_etag(local_storage: LocalStorage) -> None:
    first = local_storage.put_bytes(KEY, b"one", "image/jpeg")
    second = local_storage.put_bytes(KEY, b"two", "image/jpeg")
    assert first.etag != second.etag


def test_a_failed_write_leaves_neither_object_nor_temp_file(local_storage: LocalStorage) -> None:
    pending = local_storage.begin_write(KEY)
    pending.write(b"half a file")
    pending.discard()
    assert local_storage.head(KEY) is None
    assert list(local_storage.path_for(KEY).parent.iterdir()) == []


def test_a_write_once_object_is_stored_by_the_first_commit_only(
    local_storage: LocalStorage,
) -> None:
    """Two PUTs of one upload URL racing (issue 13 item 3): the second commit is refused."""
    first = local_storage.begin_write(KEY, replace=False)
    second = local_storage.begin_write(KEY, replace=False)
    first.write(b"first")
    second.write(b"second")
    first.commit()
    with pytest.raises(FileExistsError):
        second.commit()
    second.discard()
    with local_storage.open_read(KEY) as stream:
        assert stream.read() == b"first"
    assert [p.name for p in local_storage.path_for(KEY).parent.iterdir()] == ["original.jpg"]


def test_put_file_stores_a_local_file(local_storage: LocalStorage, tmp_path: Path) -> None:
    source = tmp_path / "verified.jpg"
    source.write_bytes(b"x" * 300_000)
    info = local_storage.put_file(KEY, source, "image/jpeg")
    assert info.size == 300_000
    with local_storage.open_read(KEY) as stream:
        assert stream.read() == source.read_bytes()


def test_missing_objects(local_storage: LocalStorage, tmp_path: Path) -> None:
    assert local_storage.head(KEY) is None
    assert not local_storage.exists(KEY)
    with pytest.raises(ObjectNotFoundError), local_storage.open_read(KEY):
        pass
    with pytest.raises(ObjectNotFoundError):
        local_storage.download_to(KEY, tmp_path / "never.jpg")
    assert not (tmp_path / "never.jpg").exists()


def test_a_directory_is_not_an_object(local_storage: LocalStorage) -> None:
    local_storage.put_bytes(KEY, b"x", "image/jpeg")
    assert local_storage.head("tenant-1/assets") is None


@pytest.mark.parametrize("key", ["../outside.jpg", "tenant/../../x", "/etc/passwd"])
def test_every_operation_refuses_traversal_keys(
    local_storage: LocalStorage, media_clock: FakeClock, key: str
) -> None:
    expires = media_clock.now + timedelta(minutes=5)
    with pytest.raises(InvalidKeyError):
        local_storage.put_bytes(key, b"x", "image/jpeg")
    with pytest.raises(InvalidKeyError):
        local_storage.head(key)
    with pytest.raises(InvalidKeyError):
        local_storage.presign_get(key, expires)
    with pytest.raises(InvalidKeyError):
        local_storage.presign_put(key, "image/jpeg", 1, expires)


def test_a_symlink_out_of_the_media_root_is_refused(
    local_storage: LocalStorage, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    local_storage.root.mkdir(parents=True, exist_ok=True)
    (local_storage.root / "tenant-1").symlink_to(tmp_path)
    with pytest.raises(InvalidKeyError):
        local_storage.head("tenant-1/secret.txt")


def test_presigned_urls_point_at_the_media_origin(
    local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    expires = media_clock.now + timedelta(minutes=60)
    upload = local_storage.presign_put(KEY, "image/jpeg", 1234, expires)
    assert upload.url.startswith(f"http://testserver/media/{KEY}?expires=")
    assert "size=1234" in upload.url
    assert upload.headers == {"Content-Type": "image/jpeg"}
    assert upload.expires_at == expires
    download = local_storage.presign_get(KEY, expires)
    assert download.startswith(f"http://testserver/media/{KEY}?expires={int(expires.timestamp())}")
    # Same inputs, same URL: manifests that embed it stay deterministic (§31.10).
    assert download == local_storage.presign_get(KEY, expires)


@pytest.mark.parametrize("size", [0, -1, 1024 * 1024 + 1])
def test_presigned_upload_size_must_be_positive_and_within_the_limit(
    local_storage: LocalStorage, media_clock: FakeClock, size: int
) -> None:
    with pytest.raises(ValueError, match="size"):
        local_storage.presign_put(KEY, "image/jpeg", size, media_clock.now + timedelta(hours=1))


@pytest.mark.parametrize(
    "lifetime", [timedelta(seconds=-1), timedelta(0), timedelta(days=7, seconds=1)]
)
def test_url_expiry_must_be_in_the_future_and_within_7_days(
    local_storage: LocalStorage, media_clock: FakeClock, lifetime: timedelta
) -> None:
    with pytest.raises(ValueError, match="expire"):
        local_storage.presign_get(KEY, media_clock.now + lifetime)


def test_naive_expiry_is_refused(local_storage: LocalStorage, media_clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="timezone"):
        local_storage.presign_get(KEY, media_clock.now.replace(tzinfo=None))


def test_content_type_cannot_smuggle_extra_lines(
    local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    with pytest.raises(ValueError, match="content_type"):
        local_storage.presign_put(KEY, "image/jpeg\nx", 1, media_clock.now + timedelta(hours=1))


def test_settings_without_a_bucket_give_local_storage(media_settings: Settings) -> None:
    storage = storage_from_settings(media_settings)
    assert isinstance(storage, LocalStorage)
    assert storage.root == media_settings.media_dir


def test_list_keys_names_complete_objects_under_a_prefix_only(
    local_storage: LocalStorage,
) -> None:
    local_storage.put_bytes("t1/assets/a/original.png", b"a", "image/png")
    local_storage.put_bytes("t1/assets/b/thumbnail.jpg", b"b", "image/jpeg")
    local_storage.put_bytes("t2/assets/c/original.png", b"c", "image/png")
    pending = local_storage.begin_write("t1/assets/d/original.png")  # a write in progress
    try:
        assert list(local_storage.list_keys("t1/")) == [
            "t1/assets/a/original.png",
            "t1/assets/b/thumbnail.jpg",
        ]
        assert list(local_storage.list_keys("t3/")) == []
    finally:
        pending.discard()
