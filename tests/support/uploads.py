"""Uploading a real file the way the phone app does: declare, PUT to storage, complete."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient

from signage.content.ingestion import ingest_asset
from signage.db.engine import Database
from signage.enums import AssetStatus
from signage.media.rules import MediaLimits
from tests.support.clock import FakeClock


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def declare(
    client: TestClient,
    url: str,
    headers: dict[str, str],
    path: Path,
    content_type: str,
    **overrides,
):
    body = {
        "fileName": path.name,
        "contentType": content_type,
        "fileSizeBytes": path.stat().st_size,
        "checksumSha256": sha256_of(path),
        **overrides,
    }
    return client.post(f"{url}/uploads", json=body, headers=headers)


def put_file(client: TestClient, upload: dict, path: Path, **header_overrides):
    """PUT the bytes to the signed URL (the app's media origin), with the given headers."""
    parts = urlsplit(upload["uploadUrl"])
    headers = {**upload["uploadHeaders"], **header_overrides}
    return client.put(f"{parts.path}?{parts.query}", content=path.read_bytes(), headers=headers)


def upload(
    client: TestClient, url: str, headers: dict[str, str], path: Path, content_type: str
) -> dict:
    """Declare, PUT and complete; returns the completed asset (PROCESSING)."""
    return completed_upload(client, url, headers, path, content_type)[1]


def completed_upload(
    client: TestClient, url: str, headers: dict[str, str], path: Path, content_type: str
) -> tuple[dict, dict]:
    """Declare, PUT and complete; returns the upload session (with its URL) and the asset."""
    started = declare(client, url, headers, path, content_type)
    assert started.status_code == 201, started.text
    session = started.json()
    assert put_file(client, session, path).status_code in (200, 201, 204)
    done = client.post(f"{url}/uploads/{session['uploadId']}/complete", headers=headers)
    assert done.status_code == 200, done.text
    return session, done.json()


def ingest(app: FastAPI, database: Database, asset_id: str, clock: FakeClock) -> AssetStatus | None:
    """Run ingestion for one asset as the pipeline's op does, on the app's storage."""
    context = app.state.context
    return ingest_asset(
        database,
        context.storage,
        uuid.UUID(asset_id),
        limits=MediaLimits.from_settings(context.settings),
        clock=clock,
    )


class RecordingLauncher:
    """Stands in for the Dagster submission in API tests (the real one is exercised by the
    platform test against a real Dagster); records which assets it was asked to ingest."""

    def __init__(self) -> None:
        self.launched: list[str] = []

    def launch(self, asset_id: object) -> None:
        self.launched.append(str(asset_id))
