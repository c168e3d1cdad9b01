"""§13.3's unscoped paths, `POST /v1/assets/uploads/{uploadId}/complete` and
`GET /v1/assets/{assetId}` (issue 15 item 11): the scope comes from the upload or asset inside
the caller's tenant, then the scoped routes' rights apply; another tenant's id is a 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.media_factory import make_jpeg
from tests.support.uploads import declare, put_file
from tests.support.world import VenueWorld


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return make_jpeg(tmp_path / "menu.jpg", 40, 40)


def started(client: TestClient, url: str, headers: dict[str, str], photo: Path) -> dict:
    answer = declare(client, url, headers, photo, "image/jpeg")
    assert answer.status_code == 201, answer.text
    session = answer.json()
    assert put_file(client, session, photo).status_code in (200, 201, 204)
    return session


def complete(client: TestClient, upload_id: str, headers: dict[str, str]):
    return client.post(f"/v1/assets/uploads/{upload_id}/complete", headers=headers)


def test_a_venue_upload_completes_and_reads_through_the_spec_paths(
    world: VenueWorld, photo: Path
) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    venue_assets = f"/v1/venues/{demo.fortescue_id}/assets"
    session = started(client, venue_assets, as_role("editor"), photo)
    done = complete(client, session["uploadId"], as_role("editor"))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "PROCESSING"
    assert done.json()["venueId"] == str(demo.fortescue_id)
    read = client.get(f"/v1/assets/{session['assetId']}", headers=as_role("viewer"))
    assert read.status_code == 200
    assert (
        read.json()
        == client.get(f"{venue_assets}/{session['assetId']}", headers=as_role("viewer")).json()
    )


def test_a_shared_upload_needs_the_library_rights(world: VenueWorld, photo: Path) -> None:
    client, as_role = world.client, world.as_role
    session = started(client, "/v1/library/assets", as_role("admin"), photo)
    assert complete(client, session["uploadId"], as_role("editor")).status_code == 403
    assert complete(client, session["uploadId"], as_role("admin")).status_code == 200
    # Everyone in the tenant reads the shared library.
    read = client.get(f"/v1/assets/{session['assetId']}", headers=as_role("viewer"))
    assert read.status_code == 200
    assert read.json()["scope"] == "TENANT"


def test_the_venue_rights_apply_to_the_venue_upload(world: VenueWorld, photo: Path) -> None:
    client, demo, as_role = world.client, world.demo, world.as_role
    badger = started(client, f"/v1/venues/{demo.badger_id}/assets", as_role("admin"), photo)
    # The editor holds no role at Badger: hidden, as on the scoped route.
    assert complete(client, badger["uploadId"], as_role("editor")).status_code == 404
    assert (
        client.get(f"/v1/assets/{badger['assetId']}", headers=as_role("editor")).status_code == 404
    )
    own = started(client, f"/v1/venues/{demo.fortescue_id}/assets", as_role("editor"), photo)
    assert complete(client, own["uploadId"], as_role("viewer")).status_code == 403


def test_another_tenant_cannot_complete_or_read_them(world: VenueWorld, photo: Path) -> None:
    client, as_role = world.client, world.as_role
    session = started(
        client, f"/v1/venues/{world.demo.fortescue_id}/assets", as_role("editor"), photo
    )
    attacker = as_role("other_admin")
    refused = complete(client, session["uploadId"], attacker)
    assert refused.status_code == 404
    assert refused.json()["code"] == "NOT_FOUND"
    assert client.get(f"/v1/assets/{session['assetId']}", headers=attacker).status_code == 404
    # The attacker's attempt changed nothing: the owner still completes it.
    assert complete(client, session["uploadId"], as_role("editor")).status_code == 200
