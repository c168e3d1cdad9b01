"""A venue's asset library (§21): thumbnails of READY assets, status, and why one failed."""

from __future__ import annotations

import uuid

from fastapi import FastAPI

from signage.db.models import Asset
from signage.enums import AssetFailureReason, AssetStatus
from tests.support.content import ready_asset
from tests.support.world import VenueWorld
from tests.webapp.web import signed_in


def with_thumbnail(app: FastAPI, asset_id: uuid.UUID) -> None:
    """What ingestion stores for a READY image (its own suite tests it): the original will do."""
    with app.state.context.database.unit_of_work() as session:
        asset = session.get_one(Asset, asset_id)
        asset.thumbnail_key = asset.storage_key


def failed(app: FastAPI, asset_id: uuid.UUID) -> None:
    with app.state.context.database.unit_of_work() as session:
        asset = session.get_one(Asset, asset_id)
        asset.status = AssetStatus.FAILED
        asset.failed_at = app.state.context.clock()
        asset.failure_reason = AssetFailureReason.RESOLUTION_EXCEEDED
        asset.failure_detail = "8000x6000 is over the 3840x2160 limit"


def test_the_library_lists_thumbnails_status_and_failure_reasons(world: VenueWorld) -> None:
    app, demo = world.app, world.demo
    ready = ready_asset(app, demo.tenant_id, demo.fortescue_id, seed=1)
    with_thumbnail(app, ready.asset_id)
    broken = ready_asset(
        app, demo.tenant_id, demo.fortescue_id, seed=2, status=AssetStatus.PROCESSING
    )
    failed(app, broken.asset_id)
    shared = ready_asset(app, demo.tenant_id, seed=3)
    elsewhere = ready_asset(app, demo.tenant_id, demo.badger_id, seed=4)
    viewer = signed_in(world.client, "viewer")

    page = viewer.get(f"/app/venues/{demo.fortescue_id}/assets")

    assert page.status_code == 200, page.text
    assert f'data-asset="{ready.asset_id}" data-status="READY"' in page.text
    assert f'data-asset="{shared.asset_id}"' in page.text  # the shared library is seen (§6)
    assert str(elsewhere.asset_id) not in page.text
    assert '<img class="thumb"' in page.text
    assert "resolution exceeded — 8000x6000 is over the 3840x2160 limit" in page.text
    assert "img-src 'self'" in page.headers["Content-Security-Policy"]
    assert "/upload" not in page.text  # a viewer gets no upload button

    only_failed = viewer.get(f"/app/venues/{demo.fortescue_id}/assets?status=FAILED").text
    assert only_failed.count("data-asset=") == 1
    assert viewer.get(f"/app/venues/{demo.badger_id}/assets").status_code == 404
