"""Uploads from the web app (§13.3-13.4): declare, PUT to the signed URL, complete, and the
status fragment the page polls until READY or FAILED, with a real small JPEG."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.webapp.pages_uploads import status_check_delay_ms
from signage.db.models import Asset
from signage.enums import AssetFailureReason, AssetStatus
from tests.support.demo import Demo
from tests.support.media_factory import make_jpeg
from tests.support.uploads import IngestionAnnouncements, put_file
from tests.support.world import VenueWorld
from tests.webapp.web import browser, csrf_of, signed_in


def upload_url(demo: Demo) -> str:
    return f"/app/venues/{demo.fortescue_id}/upload"


def declare(client: TestClient, demo: Demo, photo: Path, **overrides: str) -> httpx.Response:
    """What upload.js posts: the declaration as a form, the CSRF token as a header."""
    csrf = csrf_of(client.get(upload_url(demo)).text)
    fields = {
        "file_name": photo.name,
        "content_type": "image/jpeg",
        "file_size_bytes": str(photo.stat().st_size),
        "checksum_sha256": hashlib.sha256(photo.read_bytes()).hexdigest(),
        **overrides,
    }
    return client.post(
        f"/app/venues/{demo.fortescue_id}/uploads", data=fields, headers={"X-CSRF-Token": csrf}
    )


def complete(client: TestClient, demo: Demo, upload_id: str) -> httpx.Response:
    csrf = csrf_of(client.get(upload_url(demo)).text)
    url = f"/app/venues/{demo.fortescue_id}/uploads/{upload_id}/complete"
    return client.post(url, headers={"X-CSRF-Token": csrf})


def set_outcome(app: FastAPI, asset_id: str, status: AssetStatus) -> None:
    """What the ingestion pipeline decides, written as it would (tested in its own suite)."""
    with app.state.context.database.unit_of_work() as session:
        asset = session.get_one(Asset, uuid.UUID(asset_id))
        asset.status = status
        if status is AssetStatus.FAILED:
            asset.failure_reason = AssetFailureReason.RESOLUTION_EXCEEDED
            asset.failure_detail = "8000x6000 is over the 3840x2160 limit"
            asset.failed_at = app.state.context.clock()


def test_the_upload_page_lets_the_script_reach_storage_and_nothing_else(
    client: TestClient, demo: Demo
) -> None:
    page = signed_in(client, "editor").get(upload_url(demo))

    assert page.status_code == 200
    assert 'type="file"' in page.text
    assert "/app/static/upload.js" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "connect-src 'self' http://" in policy  # the local media origin (S3 in production)


def test_an_editor_uploads_a_photo_and_the_status_fragment_polls_until_ready(
    world: VenueWorld, tmp_path: Path, launcher: IngestionAnnouncements
) -> None:
    demo = world.demo
    photo = make_jpeg(tmp_path / "terrace.jpg", 640, 360)
    editor = signed_in(world.client, "editor")

    declared = declare(editor, demo, photo)
    assert declared.status_code == 201, declared.text
    started = declared.json()
    assert "token" not in started["uploadUrl"].lower()
    assert put_file(editor, started, photo).status_code in (200, 201, 204)
    completed = complete(editor, demo, started["uploadId"])

    assert completed.status_code == 200, completed.text
    assert "Processing" in completed.text
    status_url = f"/app/venues/{demo.fortescue_id}/assets/{started['assetId']}/status"
    assert f'hx-get="{status_url}?attempt=0"' in completed.text  # keeps polling...
    assert 'hx-trigger="load delay:250ms"' in completed.text  # ...soon: READY takes < 1 s
    assert launcher.launched == [started["assetId"]]  # ingestion was started
    still = editor.get(f"{status_url}?attempt=0")
    assert f'hx-get="{status_url}?attempt=1"' in still.text
    assert 'hx-trigger="load delay:375ms"' in still.text  # then less and less often

    set_outcome(world.app, started["assetId"], AssetStatus.READY)
    ready = editor.get(status_url)
    assert ready.status_code == 200
    assert "Ready." in ready.text
    assert "terrace.jpg" in ready.text
    assert "hx-get" not in ready.text  # polling stops


def test_a_failed_asset_shows_why_and_offers_a_new_upload(
    world: VenueWorld, tmp_path: Path
) -> None:
    demo = world.demo
    photo = make_jpeg(tmp_path / "huge.jpg", 320, 200)
    editor = signed_in(world.client, "editor")
    started = declare(editor, demo, photo).json()
    put_file(editor, started, photo)
    complete(editor, demo, started["uploadId"])
    set_outcome(world.app, started["assetId"], AssetStatus.FAILED)

    shown = editor.get(f"/app/venues/{demo.fortescue_id}/assets/{started['assetId']}/status")

    assert "Failed:" in shown.text
    assert "resolution exceeded" in shown.text
    assert "8000x6000 is over the 3840x2160 limit" in shown.text
    assert f'href="{upload_url(demo)}">Try again' in shown.text
    assert "hx-get" not in shown.text


def test_completing_before_the_file_arrived_explains_it(
    client: TestClient, demo: Demo, tmp_path: Path
) -> None:
    photo = make_jpeg(tmp_path / "missing.jpg", 64, 64)
    editor = signed_in(client, "editor")
    started = declare(editor, demo, photo).json()

    response = complete(editor, demo, started["uploadId"])

    assert response.status_code == 422
    assert "No file has been received" in response.text


def test_a_bad_declaration_is_refused_with_its_reason(
    client: TestClient, demo: Demo, tmp_path: Path
) -> None:
    photo = make_jpeg(tmp_path / "notes.jpg", 64, 64)
    response = declare(signed_in(client, "editor"), demo, photo, content_type="text/plain")

    assert response.status_code == 422
    assert '<p class="alert" role="alert">' in response.text  # what upload.js shows


def test_a_viewer_may_not_upload_and_no_csrf_header_is_refused(
    world: VenueWorld, tmp_path: Path
) -> None:
    demo = world.demo
    photo = make_jpeg(tmp_path / "x.jpg", 64, 64)
    viewer = signed_in(world.client, "viewer")
    assert viewer.get(upload_url(demo)).status_code == 403
    assert "/upload" not in viewer.get(f"/app/venues/{demo.fortescue_id}/playlists").text
    csrf = csrf_of(viewer.get(f"/app/venues/{demo.fortescue_id}").text)  # a valid token

    refused = viewer.post(
        f"/app/venues/{demo.fortescue_id}/uploads",
        data={"file_name": "x.jpg", "content_type": "image/jpeg", "file_size_bytes": "1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 403
    assert "did not come from this site" not in refused.text  # refused for the role
    editor = signed_in(browser(world.app), "editor")
    no_header = editor.post(
        f"/app/venues/{demo.fortescue_id}/uploads",
        data={"file_name": photo.name, "content_type": "image/jpeg", "file_size_bytes": "1"},
    )
    assert no_header.status_code == 403
    assert "did not come from this site" in no_header.text


def test_the_status_checks_start_quick_and_slow_down_to_a_bound() -> None:
    """Issue 18 item 1: no fixed delay longer than an image's whole ingestion; a long video
    is still asked about only every few seconds."""
    delays = [status_check_delay_ms(attempt) for attempt in range(30)]
    assert delays[0] == 250
    assert delays == sorted(delays)
    assert delays[-1] == 4000


def test_bytes_the_library_already_has_are_answered_with_where_they_are(
    world: VenueWorld, tmp_path: Path
) -> None:
    """Issue 19 item 4: the same SHA-256 again is "already in your library", unless asked."""
    demo = world.demo
    photo = make_jpeg(tmp_path / "terrace.jpg", 640, 360)
    editor = signed_in(world.client, "editor")
    first = declare(editor, demo, photo).json()
    put_file(editor, first, photo)
    complete(editor, demo, first["uploadId"])

    again = declare(editor, demo, photo, file_name="terrace-again.jpg")
    assert again.status_code == 200
    assert again.json()["duplicateOf"]["assetId"] == first["assetId"]
    assert again.json()["duplicateOf"]["displayName"] == "terrace.jpg"
    anyway = declare(editor, demo, photo, file_name="terrace-again.jpg", duplicate_ok="on")
    assert anyway.status_code == 201
    assert anyway.json()["assetId"] != first["assetId"]

    # Another tenant's library is not looked in: the same bytes there start an upload.
    other = signed_in(browser(world.app), "other_admin")
    assert declare(other, demo, photo).status_code == 404  # nor may it use this venue


def test_only_shared_library_editors_upload_to_the_shared_library(
    world: VenueWorld, tmp_path: Path
) -> None:
    app, demo = world.app, world.demo
    photo = make_jpeg(tmp_path / "brand.jpg", 400, 300)
    editor = signed_in(world.client, "editor")
    assert "The shared library" not in editor.get(upload_url(demo)).text
    assert declare(editor, demo, photo, where="shared").status_code == 403

    admin = signed_in(browser(app), "admin")
    assert "The shared library" in admin.get(upload_url(demo)).text
    started = declare(admin, demo, photo, where="shared").json()
    with app.state.context.database.unit_of_work() as session:
        asset = session.get_one(Asset, uuid.UUID(started["assetId"]))
        assert asset.scope_venue_id is None  # tenant-scoped (§6)
