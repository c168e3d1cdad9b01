"""Uploads straight to storage, ingestion to READY or FAILED, and what bad input gets (§13)."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from signage.config import Settings
from signage.enums import AssetStatus
from tests.support.demo import Demo
from tests.support.media_factory import make_jpeg, make_mp4, truncate
from tests.support.uploads import (
    IngestionAnnouncements,
    declare,
    ingest,
    put_file,
    sha256_of,
    upload,
)
from tests.support.world import VenueWorld


@pytest.fixture
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


def venue_assets(demo: Demo) -> str:
    return f"/v1/venues/{demo.fortescue_id}/assets"


def test_an_image_goes_from_upload_to_ready_with_a_thumbnail(
    world: VenueWorld, media: Path, launcher: IngestionAnnouncements
) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    photo = make_jpeg(media / "Happy hour.jpg", 1280, 720)
    asset = upload(client, venue_assets(demo), as_role("editor"), photo, "image/jpeg")
    assert asset["status"] == "PROCESSING"
    assert launcher.launched == [asset["assetId"]]  # ingestion asked for straight away
    assert ingest(world.app, world.database, asset["assetId"], world.clock) is AssetStatus.READY
    ready = client.get(f"{venue_assets(demo)}/{asset['assetId']}", headers=as_role("viewer"))
    body = ready.json()
    assert body["status"] == "READY"
    assert (body["widthPx"], body["heightPx"]) == (1280, 720)
    assert body["checksumSha256"] == sha256_of(photo)
    assert body["displayName"] == "Happy hour.jpg"
    thumbnail = urlsplit(body["thumbnailUrl"])
    fetched = client.get(f"{thumbnail.path}?{thumbnail.query}")
    assert fetched.status_code == 200
    assert fetched.content[:2] == b"\xff\xd8"  # a JPEG


def test_a_video_goes_to_ready_with_its_metadata(world: VenueWorld, media: Path) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    clip = make_mp4(media / "promo.mp4", width=320, height=180, seconds=2, fps=10)
    asset = upload(client, venue_assets(demo), as_role("editor"), clip, "video/mp4")
    assert ingest(world.app, world.database, asset["assetId"], world.clock) is AssetStatus.READY
    body = client.get(f"{venue_assets(demo)}/{asset['assetId']}", headers=as_role("editor")).json()
    assert body["type"] == "VIDEO"
    assert body["videoCodec"].lower().startswith(("avc", "h264", "h.264"))
    assert 1.5 <= float(body["durationSeconds"]) <= 2.5
    assert body["thumbnailUrl"]


def test_a_wrong_checksum_fails_with_a_readable_reason(world: VenueWorld, media: Path) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    photo = make_jpeg(media / "a.jpg", 200, 100)
    started = declare(
        client, venue_assets(demo), as_role("editor"), photo, "image/jpeg", checksumSha256="0" * 64
    ).json()
    put_file(client, started, photo)
    client.post(
        f"{venue_assets(demo)}/uploads/{started['uploadId']}/complete", headers=as_role("editor")
    )
    assert ingest(world.app, world.database, started["assetId"], world.clock) is AssetStatus.FAILED
    body = client.get(
        f"{venue_assets(demo)}/{started['assetId']}", headers=as_role("editor")
    ).json()
    assert body["failureReason"] == "CHECKSUM_MISMATCH"
    assert body["failureDetail"]
    assert body["failedAtUtc"]
    assert body["thumbnailUrl"] is None


def test_a_truncated_video_fails_as_corrupt_and_is_never_processed_again(
    world: VenueWorld, media: Path
) -> None:
    client, app, database, demo, as_role, clock = (
        world.client,
        world.app,
        world.database,
        world.demo,
        world.as_role,
        world.clock,
    )
    clip = truncate(make_mp4(media / "cut.mp4", seconds=2), 0.5)
    asset = upload(client, venue_assets(demo), as_role("editor"), clip, "video/mp4")
    assert ingest(app, database, asset["assetId"], clock) is AssetStatus.FAILED
    assert (
        client.get(f"{venue_assets(demo)}/{asset['assetId']}", headers=as_role("editor")).json()[
            "failureReason"
        ]
        == "FILE_CORRUPT"
    )
    assert ingest(app, database, asset["assetId"], clock) is None  # §13.4


def test_two_runs_racing_for_one_asset_process_it_once(world: VenueWorld, media: Path) -> None:
    clip = make_mp4(media / "race.mp4", seconds=2)
    asset = upload(
        world.client, venue_assets(world.demo), world.as_role("editor"), clip, "video/mp4"
    )
    outcomes: list[AssetStatus | None] = []

    def run() -> None:
        outcomes.append(ingest(world.app, world.database, asset["assetId"], world.clock))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == sorted([AssetStatus.READY, None], key=str)


def test_completing_twice_is_409_and_without_a_file_is_422(world: VenueWorld, media: Path) -> None:
    client, demo = world.client, world.demo
    photo = make_jpeg(media / "b.jpg", 100, 100)
    editor = world.as_role("editor")
    started = declare(client, venue_assets(demo), editor, photo, "image/jpeg").json()
    complete = f"{venue_assets(demo)}/uploads/{started['uploadId']}/complete"
    assert client.post(complete, headers=editor).status_code == 422
    put_file(client, started, photo)
    assert client.post(complete, headers=editor).status_code == 200
    assert client.post(complete, headers=editor).status_code == 409


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"contentType": "text/plain"}, "body.contentType"),
        ({"contentType": "video/webm"}, "body.contentType"),
        ({"fileSizeBytes": 0}, "body.fileSizeBytes"),
        ({"fileSizeBytes": 10**12}, "body.fileSizeBytes"),
        ({"checksumSha256": "z" * 64}, "body.checksumSha256"),
        ({"fileName": "../../etc/passwd"}, "body.fileName"),
        ({"fileName": "..\\secrets.jpg"}, "body.fileName"),
    ],
)
def test_bad_declarations_are_refused_before_anything_is_stored(
    world: VenueWorld, media: Path, settings: Settings, overrides, location
) -> None:
    photo = make_jpeg(media / "c.jpg", 50, 50)
    response = declare(
        world.client,
        venue_assets(world.demo),
        world.as_role("editor"),
        photo,
        "image/jpeg",
        **overrides,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == location
    assert not list(settings.media_dir.glob("**/*"))


def test_a_put_that_differs_from_the_declaration_is_refused(world: VenueWorld, media: Path) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    photo = make_jpeg(media / "d.jpg", 60, 60)
    started = declare(client, venue_assets(demo), as_role("editor"), photo, "image/jpeg").json()
    lying = put_file(client, started, photo, **{"Content-Type": "video/mp4"})
    assert 400 <= lying.status_code < 500
    parts = urlsplit(started["uploadUrl"])
    tampered = client.put(
        f"{parts.path}?{parts.query.replace('sig=', 'sig=00')}",
        content=photo.read_bytes(),
        headers=started["uploadHeaders"],
    )
    assert 400 <= tampered.status_code < 500
    world.clock.advance(minutes=61)
    expired = put_file(client, started, photo)
    assert 400 <= expired.status_code < 500
    complete = client.post(
        f"{venue_assets(demo)}/uploads/{started['uploadId']}/complete", headers=as_role("editor")
    )
    assert complete.status_code in (401, 409, 422)  # nothing was stored; the session expired


def test_who_may_upload_where(world: VenueWorld, media: Path) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    photo = make_jpeg(media / "e.jpg", 40, 40)
    library = "/v1/library/assets"
    assert declare(client, library, as_role("editor"), photo, "image/jpeg").status_code == 403
    assert declare(client, library, as_role("admin"), photo, "image/jpeg").status_code == 201
    assert (
        declare(client, venue_assets(demo), as_role("viewer"), photo, "image/jpeg").status_code
        == 403
    )
    badger = f"/v1/venues/{demo.badger_id}/assets"
    assert declare(client, badger, as_role("editor"), photo, "image/jpeg").status_code == 404


def test_a_venue_sees_the_shared_library_and_its_own_but_not_other_venues(
    world: VenueWorld, media: Path
) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    photo = make_jpeg(media / "f.jpg", 40, 40)
    shared = upload(client, "/v1/library/assets", as_role("admin"), photo, "image/jpeg")
    own = upload(client, venue_assets(demo), as_role("editor"), photo, "image/jpeg")
    elsewhere = upload(
        client, f"/v1/venues/{demo.badger_id}/assets", as_role("admin"), photo, "image/jpeg"
    )
    listed = client.get(venue_assets(demo), headers=as_role("viewer")).json()["items"]
    assert {a["assetId"] for a in listed} == {shared["assetId"], own["assetId"]}
    only_own = client.get(
        venue_assets(demo), params={"scope": "VENUE"}, headers=as_role("viewer")
    ).json()["items"]
    assert [a["assetId"] for a in only_own] == [own["assetId"]]
    assert (
        client.get(
            f"{venue_assets(demo)}/{elsewhere['assetId']}", headers=as_role("admin")
        ).status_code
        == 404
    )
    library = client.get("/v1/library/assets", headers=as_role("viewer")).json()["items"]
    assert [a["assetId"] for a in library] == [shared["assetId"]]
    assert (
        client.get(
            f"/v1/library/assets/{shared['assetId']}", headers=as_role("other_admin")
        ).status_code
        == 404
    )


def test_delete_hides_the_asset(world: VenueWorld, media: Path) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    photo = make_jpeg(media / "g.jpg", 40, 40)
    asset = upload(client, venue_assets(demo), as_role("editor"), photo, "image/jpeg")
    url = f"{venue_assets(demo)}/{asset['assetId']}"
    assert client.delete(url, headers=as_role("viewer")).status_code == 403
    assert client.delete(url, headers=as_role("editor")).status_code == 204
    assert client.get(url, headers=as_role("editor")).status_code == 404


def test_upload_sessions_are_limited_per_tenant(world: VenueWorld, media: Path) -> None:
    photo = make_jpeg(media / "h.jpg", 20, 20)
    statuses = [
        declare(
            world.client, venue_assets(world.demo), world.as_role("editor"), photo, "image/jpeg"
        ).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [201] * 30
    assert statuses[30] == 429


def test_completing_while_the_media_storage_is_broken_is_a_503_problem(
    world: VenueWorld, media: Path, settings: Settings
) -> None:
    """Issue 13 item 9: a storage fault is the server's, not 'no file has been received'."""
    client, demo = world.client, world.demo
    photo = make_jpeg(media / "e.jpg", 60, 60)
    editor = world.as_role("editor")
    started = declare(client, venue_assets(demo), editor, photo, "image/jpeg").json()
    assert put_file(client, started, photo).status_code == 200
    tenant_dir = settings.media_dir / str(demo.tenant_id)
    tenant_dir.rename(tenant_dir.with_name("moved-aside"))
    tenant_dir.write_bytes(b"")  # a file where the tenant's directory was: ENOTDIR, even as root
    response = client.post(
        f"{venue_assets(demo)}/uploads/{started['uploadId']}/complete", headers=editor
    )
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"].isdigit()
    assert "storage" in response.json()["detail"]
