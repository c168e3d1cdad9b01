"""READY content for scheduling tests: real media bytes in the app's storage and the asset row
the ingestion pipeline would have written (the pipeline itself is tested in tests/pipelines)."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from signage.db.models import Asset
from signage.enums import AssetStatus, AssetType, ContentScope

IF_MATCH = "If-Match"


@dataclass(frozen=True)
class ReadyAsset:
    asset_id: uuid.UUID
    checksum: str
    data: bytes


def png_bytes(seed: int, width: int = 64, height: int = 36) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (seed * 37 % 256, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def ready_asset(
    app: FastAPI,
    tenant_id: uuid.UUID,
    venue_id: uuid.UUID | None = None,
    *,
    seed: int = 0,
    status: AssetStatus = AssetStatus.READY,
    asset_type: AssetType = AssetType.IMAGE,
) -> ReadyAsset:
    """An image (or, by type, a 'video') whose bytes really are in storage."""
    context = app.state.context
    data = png_bytes(seed)
    key = f"{tenant_id}/assets/{uuid.uuid4()}/original.png"
    context.storage.put_bytes(key, data, "image/png")
    checksum = hashlib.sha256(data).hexdigest()
    with context.database.unit_of_work() as session:
        asset = Asset(
            tenant_id=tenant_id,
            scope_type=ContentScope.VENUE if venue_id else ContentScope.TENANT,
            scope_venue_id=venue_id,
            type=asset_type,
            status=status,
            display_name=f"picture-{seed}.png",
            original_file_name=f"picture-{seed}.png",
            content_type="image/png",
            file_size_bytes=len(data),
            checksum_sha256=checksum,
            storage_key=key,
            width_px=64,
            height_px=36,
            duration_seconds=12.4 if asset_type is AssetType.VIDEO else None,
        )
        session.add(asset)
        session.flush()
        asset_id = asset.id
    return ReadyAsset(asset_id, checksum, data)


def create_playlist(
    client: TestClient, headers: dict[str, str], base: str, name: str = "Evening"
) -> tuple[str, str]:
    """POST a playlist under `base` (/v1/library/playlists or a venue's); (id, ETag)."""
    response = client.post(base, json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["playlistId"], response.headers["ETag"]


def set_items(
    client: TestClient,
    headers: dict[str, str],
    url: str,
    etag: str,
    asset_ids: list[uuid.UUID],
    seconds: int = 10,
) -> str:
    items = [{"assetId": str(a), "durationSeconds": seconds} for a in asset_ids]
    response = client.put(
        f"{url}/items", json={"items": items}, headers={**headers, IF_MATCH: etag}
    )
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


def published_playlist(
    client: TestClient,
    headers: dict[str, str],
    base: str,
    asset_ids: list[uuid.UUID],
    name: str = "Evening",
) -> str:
    """A playlist with `asset_ids`, published once; its id."""
    playlist_id, etag = create_playlist(client, headers, base, name)
    url = f"{base}/{playlist_id}"
    etag = set_items(client, headers, url, etag, asset_ids)
    published = client.post(f"{url}/publish", headers={**headers, IF_MATCH: etag})
    assert published.status_code == 200, published.text
    return playlist_id


def schedule_etag(client: TestClient, headers: dict[str, str], venue_id: uuid.UUID) -> str:
    response = client.get(f"/v1/venues/{venue_id}/scheduleset", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


def add_slot(
    client: TestClient, headers: dict[str, str], venue_id: uuid.UUID, **slot: object
) -> dict:
    etag = schedule_etag(client, headers, venue_id)
    response = client.post(
        f"/v1/venues/{venue_id}/scheduleset/slots", json=slot, headers={**headers, IF_MATCH: etag}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def publish_schedule(client: TestClient, headers: dict[str, str], venue_id: uuid.UUID) -> dict:
    etag = schedule_etag(client, headers, venue_id)
    response = client.post(
        f"/v1/venues/{venue_id}/scheduleset/publish", headers={**headers, IF_MATCH: etag}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
